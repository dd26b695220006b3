// A tar writer whose output depends only on what goes in: entries sorted by path, every owner
// root (0:0), every time SOURCE_DATE_EPOCH, modes as given, nothing read from the build
// machine (umask, user, clock). Plain ustar: every path here is short, so no PAX headers.

const BLOCK = 512;
const TYPES = { file: "0", symlink: "2", dir: "5" };

/**
 * @typedef {{ path: string, type: "file", mode: number, data: Uint8Array }
 *   | { path: string, type: "dir", mode: number }
 *   | { path: string, type: "symlink", target: string }} TarEntry
 */

/** The bytes of a tar archive of `entries` (paths relative, no leading "/"), sorted by path. */
export function tarArchive(entries, mtime) {
  const sorted = [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const parts = [];
  for (const entry of sorted) {
    const data = entry.type === "file" ? entry.data : new Uint8Array();
    parts.push(header(entry, data.length, mtime), data, new Uint8Array(padding(data.length)));
  }
  // The end of an archive is two zero blocks.
  parts.push(new Uint8Array(2 * BLOCK));
  return Buffer.concat(parts);
}

function padding(size) {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

function header(entry, size, mtime) {
  const name = entry.type === "dir" ? `${entry.path}/` : entry.path;
  if (name.startsWith("/") || name.includes("..")) throw new Error(`tar: bad path ${name}`);
  if (Buffer.byteLength(name) > 100) throw new Error(`tar: path longer than 100 bytes: ${name}`);
  const block = Buffer.alloc(BLOCK);
  const mode = entry.type === "symlink" ? 0o777 : entry.mode;
  block.write(name, 0, 100, "utf8");
  octal(block, 100, 8, mode);
  octal(block, 108, 8, 0); // uid
  octal(block, 116, 8, 0); // gid
  octal(block, 124, 12, size);
  octal(block, 136, 12, mtime);
  block.fill(" ", 148, 156); // the checksum is computed with its own field as spaces
  block.write(TYPES[entry.type], 156, 1, "ascii");
  if (entry.type === "symlink") block.write(entry.target, 157, 100, "utf8");
  block.write("ustar\u000000", 257, 8, "binary");
  block.write("root", 265, 32, "ascii");
  block.write("root", 297, 32, "ascii");
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, "0")}\u0000 `, 148, 8, "binary");
  return block;
}

function octal(block, offset, width, value) {
  const text = value.toString(8).padStart(width - 1, "0");
  if (text.length > width - 1) throw new Error(`tar: ${value} does not fit in ${width} bytes`);
  block.write(`${text}\u0000`, offset, width, "ascii");
}
