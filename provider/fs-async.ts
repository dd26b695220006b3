import * as fs from "node:fs";

// The file system calls pullkey awaits, as promises over node:fs's callbacks: the same system
// calls on the same libuv thread pool as node:fs/promises, without loading it. Loading that
// module (its FileHandle class, readline, the REPL's history, fs watchers) costs every exec, a
// cache hit included, more CPU than the hit's own file work. node:fs comes with Node's start-up.
// Written out rather than made with util.promisify, which costs each exec its work at import.

type Done<T> = (err: NodeJS.ErrnoException | null, value: T) => void;

function call<T>(start: (done: Done<T>) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    start((err, value) => (err ? reject(err) : resolve(value)));
  });
}

type Data = string | Uint8Array;

export const access = (path: string, mode: number): Promise<void> =>
  call((done) => fs.access(path, mode, done));
export const chmod = (path: string, mode: number): Promise<void> =>
  call((done) => fs.chmod(path, mode, done));
export const close = (fd: number): Promise<void> => call((done) => fs.close(fd, done));
export const fchmod = (fd: number, mode: number): Promise<void> =>
  call((done) => fs.fchmod(fd, mode, done));
export const fstat = (fd: number): Promise<fs.Stats> => call((done) => fs.fstat(fd, done));
export const fsync = (fd: number): Promise<void> => call((done) => fs.fsync(fd, done));
export const link = (existing: string, path: string): Promise<void> =>
  call((done) => fs.link(existing, path, done));
export const lstat = (path: string): Promise<fs.Stats> => call((done) => fs.lstat(path, done));
export const mkdir = (path: string, options: fs.MakeDirectoryOptions): Promise<unknown> =>
  call((done) => fs.mkdir(path, options, done));
export const open = (path: string, flags: number | string, mode?: number): Promise<number> =>
  call((done) => fs.open(path, flags, mode, done));
/** Reads into `buffer` at `offset`; `position` null reads from the file's current position. */
export const read = (
  fd: number,
  buffer: Uint8Array,
  offset: number,
  length: number,
  position: number | null,
): Promise<{ bytesRead: number }> =>
  call((done) =>
    fs.read(fd, buffer, offset, length, position, (err, bytesRead) => done(err, { bytesRead })),
  );
export const readdir = (path: string): Promise<string[]> => call((done) => fs.readdir(path, done));
/** The system's realpath(3), as node:fs/promises has it (fs.realpath walks in JavaScript). */
export const realpath = (path: string): Promise<string> =>
  call((done) => fs.realpath.native(path, done));
export const rename = (from: string, to: string): Promise<void> =>
  call((done) => fs.rename(from, to, done));
export const rm = (path: string, options: fs.RmOptions): Promise<void> =>
  call((done) => fs.rm(path, options, done));
export const stat = (path: string): Promise<fs.Stats> => call((done) => fs.stat(path, done));
export const unlink = (path: string): Promise<void> => call((done) => fs.unlink(path, done));
export const write = (
  fd: number,
  buffer: Uint8Array,
  offset: number,
  length: number,
): Promise<{ bytesWritten: number }> =>
  call((done) =>
    fs.write(fd, buffer, offset, length, null, (err, bytesWritten) => done(err, { bytesWritten })),
  );
export const writeFile = (
  file: string | number,
  data: Data,
  options?: fs.WriteFileOptions,
): Promise<void> => call((done) => fs.writeFile(file, data, options ?? {}, done));
