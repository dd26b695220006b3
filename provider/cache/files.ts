import { lstat, readFile } from "node:fs/promises";
import { writeFileAtomic } from "../files.js";

/**
 * Reads a JSON file pullkey wrote itself, or undefined. Anything that is not a regular file owned
 * by `uid` with no group or other permissions is not trusted: another user could have planted it.
 */
export async function readTrustedJson(path: string, uid: number): Promise<unknown> {
  try {
    const info = await lstat(path);
    if (!info.isFile() || info.uid !== uid || (info.mode & 0o077) !== 0) return undefined;
    return JSON.parse(await readFile(path, "utf8"));
  } catch {
    return undefined;
  }
}

/** Writes JSON atomically with mode 0600, synced to disk before it replaces the old file. */
export function writeJsonAtomic(path: string, doc: unknown): Promise<void> {
  return writeFileAtomic(path, JSON.stringify(doc), 0o600, { sync: true });
}
