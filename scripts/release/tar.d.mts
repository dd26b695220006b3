export type TarEntry =
  | { path: string; type: "file"; mode: number; data: Uint8Array }
  | { path: string; type: "dir"; mode: number }
  | { path: string; type: "symlink"; target: string };
export function tarArchive(entries: readonly TarEntry[], mtime: number): Buffer;
