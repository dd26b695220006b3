import { randomBytes } from "node:crypto";
import { lstat, open, readFile, rename, rm } from "node:fs/promises";

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

/** Writes JSON atomically with mode 0600: a temp file in the same folder, synced, then renamed. */
export async function writeJsonAtomic(path: string, doc: unknown): Promise<void> {
  const temp = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    const handle = await open(temp, "wx", 0o600);
    try {
      await handle.writeFile(JSON.stringify(doc));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}
