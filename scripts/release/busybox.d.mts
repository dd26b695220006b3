export const BUSYBOX_VERSION: string;
export const IMAGE_ARCHES: readonly ["amd64", "arm64"];
export type Arch = "amd64" | "arm64";
export function busyboxPath(arch: Arch, version?: string): string;
export function ensureBusybox(arch: Arch, version?: string): Promise<string>;
