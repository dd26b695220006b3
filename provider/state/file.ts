import { constants } from "node:fs";
import { writeFileAtomic } from "../files.js";
import { close, fstat, open, read, write } from "../fs-async.js";

/**
 * Private state files under stateDir: what pullkey wrote itself and reads back on a later exec
 * (credential cache entries, compiled configs, Vault login tokens, metrics). Another user, a
 * planted FIFO or a huge file must never be trusted, block an exec or exhaust its memory, so a
 * read opens without following a symlink and without blocking, then judges the opened file
 * itself (fstat), never the path, so nothing can be swapped between the check and the read.
 */

export interface PrivateReadOptions {
  /** The user pullkey runs as: the file must belong to it. */
  uid: number;
  /** Files larger than this are not read (they were not written by pullkey). */
  maxBytes: number;
  /**
   * The file holds a secret (a credential, a token): group and other may not even read it.
   * Otherwise only write access for group and other disqualifies it.
   */
  secret: boolean;
  /** Read from this byte on (an append-only log folded up to here before). */
  from?: number;
}

/** Why an opened file is not trusted, or undefined when it is. */
export function distrust(
  info: { uid: number; mode: number; size: number; isFile(): boolean },
  options: PrivateReadOptions,
): string | undefined {
  if (!info.isFile()) return "not a regular file";
  if (info.uid !== options.uid) return `owned by uid ${info.uid}, not ${options.uid}`;
  if ((info.mode & (options.secret ? 0o077 : 0o022)) !== 0)
    return `mode ${(info.mode & 0o777).toString(8)} lets other users ${options.secret ? "read or write" : "write"} it`;
  if (info.size > options.maxBytes) return `larger than ${options.maxBytes} bytes`;
  return undefined;
}

const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW;

/** What a trusted read found: the bytes, and the file's identity (to tell it from a replacement). */
export interface PrivateFile {
  bytes: Buffer;
  dev: number;
  ino: number;
  /** The file's size when it was opened. */
  size: number;
  mtimeMs: number;
}

/**
 * Reads a private state file, or undefined when it is absent, untrusted or unreadable for any
 * reason. Never throws: state is an optimisation, and a bad file only costs its use.
 */
export async function readPrivateFile(
  path: string,
  options: PrivateReadOptions,
): Promise<PrivateFile | undefined> {
  let fd: number | undefined;
  try {
    fd = await open(path, OPEN_FLAGS);
    const info = await fstat(fd);
    if (distrust(info, options) !== undefined) return undefined;
    // Read at most one byte past the cap: a file that grew after fstat is refused too.
    const from = Math.min(options.from ?? 0, info.size);
    const buffer = Buffer.alloc(Math.min(info.size, options.maxBytes) - from + 1);
    let filled = 0;
    for (;;) {
      const { bytesRead } = await read(fd, buffer, filled, buffer.length - filled, from + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
      if (filled === buffer.length) return undefined;
    }
    const { dev, ino, size, mtimeMs } = info;
    return { bytes: buffer.subarray(0, filled), dev, ino, size, mtimeMs };
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) await close(fd).catch(() => undefined);
  }
}

/** Reads a private JSON file; undefined when absent, untrusted or not JSON. */
export async function readPrivateJson(path: string, options: PrivateReadOptions): Promise<unknown> {
  const file = await readPrivateFile(path, options);
  if (!file) return undefined;
  try {
    return JSON.parse(file.bytes.toString("utf8"));
  } catch {
    return undefined;
  }
}

/**
 * Replaces a private state file atomically (temp file in the same folder, fsync, rename), mode
 * 0600 unless told: a reader sees the old content or the new, and a crash or a full disk leaves
 * no partial file under the real name (the temp file is removed on failure). Throws on failure;
 * callers decide what a failed write costs.
 */
export function writePrivateFile(
  path: string,
  data: string | Uint8Array,
  mode = 0o600,
): Promise<void> {
  return writeFileAtomic(path, data, mode, { sync: true });
}

/** Writes JSON with writePrivateFile. */
export function writePrivateJson(path: string, doc: unknown, mode = 0o600): Promise<void> {
  return writePrivateFile(path, JSON.stringify(doc), mode);
}

/** Longest record appendRecord writes: one write(2) of at most PIPE_BUF bytes is never split. */
export const MAX_RECORD_BYTES = 4096;

/**
 * Appends one record (a line) to a private log file with a single O_APPEND write, so concurrent
 * execs never interleave or lose records and none waits for another. The file is created 0600
 * if absent; an existing file must pass the same trust checks as a read (a FIFO or a foreign file
 * is refused, without blocking). Throws on failure.
 */
export async function appendRecord(path: string, line: string, uid: number): Promise<void> {
  const bytes = Buffer.from(line.endsWith("\n") ? line : `${line}\n`, "utf8");
  if (bytes.length > MAX_RECORD_BYTES) throw new Error("record too long");
  const fd = await open(
    path,
    constants.O_WRONLY |
      constants.O_APPEND |
      constants.O_CREAT |
      constants.O_NONBLOCK |
      constants.O_NOFOLLOW,
    0o600,
  );
  try {
    const problem = distrust(await fstat(fd), { uid, maxBytes: Infinity, secret: false });
    if (problem) throw new Error(`${path} is ${problem}`);
    const { bytesWritten } = await write(fd, bytes, 0, bytes.length);
    if (bytesWritten !== bytes.length) throw new Error(`short append to ${path}`);
  } finally {
    await close(fd);
  }
}
