import { constants } from "node:fs";
import { basename, dirname, join } from "node:path";
import { type ErrorCode, PullkeyError } from "./errors.js";
import { close, fchmod, fstat, fsync, open, read, rename, rm, writeFile } from "./fs-async.js";

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
    case "EFBIG":
      return `larger than ${formatBytes((err as { limit?: number }).limit ?? MAX_FILE_BYTES)}, the most pullkey reads from a file`;
    case "EAGAIN":
      return "nothing to read yet (a FIFO or device, not a file)";
    case "ENOTFILE":
      return "not a regular file (a FIFO, device or socket)";
    default:
      return typeof code === "string" ? code : "unreadable";
  }
}

/**
 * The most pullkey reads from any one file: configs, password and token files and docker
 * configs are a few kilobytes, and Kubernetes caps a Secret at 1 MiB.
 */
export const MAX_FILE_BYTES = 1024 * 1024;

/** 1048576 → "1 MiB"; other sizes in bytes. */
export function formatBytes(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${bytes} bytes`;
}

/**
 * Reads a whole file, at most `limit` bytes. Opened with O_NONBLOCK: a FIFO planted where a file
 * should be then reads as empty (or EAGAIN) instead of blocking a libuv thread forever, which
 * no deadline can end and which even blocks process.exit(). The limit is checked against the
 * size first (a 300 MB file is refused unread) and while reading (/dev/zero has no size); over
 * it, the error's code is EFBIG, which describeFsError words with the limit.
 */
export async function readFileBounded(path: string, limit = MAX_FILE_BYTES): Promise<Uint8Array> {
  const fd = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const info = await fstat(fd);
    if (info.isDirectory()) throw Object.assign(new Error("is a directory"), { code: "EISDIR" });
    if (info.size > limit) throw tooLarge(limit);
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(64 * 1024, limit + 1 - total));
      const { bytesRead } = await read(fd, chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
      if (total > limit) throw tooLarge(limit);
    }
    return Buffer.concat(chunks, total);
  } finally {
    await close(fd);
  }
}

function tooLarge(limit: number): Error {
  return Object.assign(new Error(`larger than ${limit} bytes`), { code: "EFBIG", limit });
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
 * `bytes` random bytes as hex, for unique temp names and lock nonces. node:crypto is loaded on
 * first use, not imported: a cache hit writes nothing, and loading it would cost a hit more CPU
 * than the rest of its own work.
 */
export function randomHex(bytes: number): string {
  return process.getBuiltinModule("node:crypto").randomBytes(bytes).toString("hex");
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
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomHex(4)}.tmp`);
  try {
    const fd = await open(temp, "wx", mode);
    try {
      await writeFile(fd, data);
      // The umask may have narrowed the mode given to open().
      await fchmod(fd, mode);
      if (options.sync) await fsync(fd);
    } finally {
      await close(fd);
    }
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}
