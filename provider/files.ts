import { randomBytes } from "node:crypto";
import { open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { type ErrorCode, PullkeyError } from "./errors.js";

/** Turns a Node fs error into the few words an operator needs ("no such file", "permission denied"). */
export function describeFsError(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  switch (code) {
    case "ENOENT":
      return "no such file";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EISDIR":
      return "is a directory, not a file";
    case "ENOTDIR":
      return "a parent of the path is not a directory";
    case "ELOOP":
      return "too many symbolic links";
    default:
      return typeof code === "string" ? code : "unreadable";
  }
}

/** Reads a file, failing with `code` and a message naming what the file is and where. */
export async function readNamedFile(
  readFile: (path: string) => Promise<Uint8Array>,
  path: string,
  what: string,
  code: ErrorCode,
): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (err) {
    throw new PullkeyError(code, `cannot read ${what} ${path}: ${describeFsError(err)}`, {
      cause: err,
    });
  }
}

/**
 * Replaces a file atomically: a hidden temp file in the same folder (`.name.<pid>.<random>.tmp`,
 * which globs like `*.prom` or `*.json` skip), written with `mode`, optionally fsynced, then
 * renamed over the target, so a reader sees the old file or the new one, never half of either.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  mode: number,
  options: { sync?: boolean } = {},
): Promise<void> {
  const temp = join(
    dirname(path),
    `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`,
  );
  try {
    const handle = await open(temp, "wx", mode);
    try {
      await handle.writeFile(data);
      // The umask may have narrowed the mode given to open().
      await handle.chmod(mode);
      if (options.sync) await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}
