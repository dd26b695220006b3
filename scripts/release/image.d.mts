import type { Arch } from "./busybox.mjs";
import type { TarEntry } from "./tar.mjs";

export const IMAGE_NAME: string;
export const ENTRYPOINT: readonly string[];
export const IMAGE_ENV: readonly string[];
export const ENTRY_SCRIPT: string;
export function imageLayers(files: {
  executable: Uint8Array;
  busybox: Uint8Array;
  entry: Uint8Array;
}): TarEntry[][];
export interface InstallerImage {
  /** The multi-arch OCI image layout folder. */
  layout: string;
  /** One docker-load-able tarball (also an OCI layout) per architecture. */
  tarballs: Partial<Record<Arch, string>>;
  /** The digest of the multi-arch index. */
  index: string;
  /** The tag inside the tarballs, pullkey-installer:<version>. */
  tag: string;
}
export function buildInstallerImage(options: {
  executables: Partial<Record<Arch, string>>;
  outDir: string;
  version?: string;
  sourceDateEpoch?: number;
  busyboxes?: Partial<Record<Arch, string>>;
}): Promise<InstallerImage>;
