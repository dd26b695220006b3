export const HELM_VERSION: string;
export function helmBinaryPath(version?: string): string;
export function ensureHelm(options?: { version?: string }): Promise<string>;
