import * as fs from "node:fs";
import { promisify } from "node:util";

// The file system calls pullkey awaits, as promises over node:fs's callbacks: the same system
// calls on the same libuv thread pool as node:fs/promises, without loading it. Loading that
// module (its FileHandle class, readline, the REPL's history, fs watchers) costs every exec, a
// cache hit included, more CPU than the hit's own file work. node:fs comes with Node's start-up.

export const access = promisify(fs.access);
export const chmod = promisify(fs.chmod);
export const close = promisify(fs.close);
export const fchmod = promisify(fs.fchmod);
export const fstat = promisify(fs.fstat);
export const fsync = promisify(fs.fsync);
export const link = promisify(fs.link);
export const lstat = promisify(fs.lstat);
export const mkdir = promisify(fs.mkdir);
export const open = promisify(fs.open);
/** Resolves with `{ bytesRead, buffer }`, like FileHandle.read. */
export const read = promisify(fs.read);
export const readdir = promisify(fs.readdir);
/** The system's realpath(3), as node:fs/promises has it (fs.realpath walks in JavaScript). */
export const realpath = promisify(fs.realpath.native);
export const rename = promisify(fs.rename);
export const rm = promisify(fs.rm);
export const stat = promisify(fs.stat);
export const unlink = promisify(fs.unlink);
/** Resolves with `{ bytesWritten, buffer }`, like FileHandle.write. */
export const write = promisify(fs.write);
export const writeFile = promisify(fs.writeFile);
