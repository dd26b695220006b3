import type { TarEntry } from "./tar.mjs";
export function tarballEntries(options: {
  srcDir: string;
  executable: string;
  top: string;
}): TarEntry[];
export function tarball(options: {
  srcDir: string;
  executable: string;
  top: string;
  epoch: number;
}): Buffer;
