// The release tarball of one architecture: a top folder pullkey-<version>-linux-<arch>/ holding
// the executable (named `pullkey`, where install.sh looks for it), install.sh, README.md and
// INSTALL.md with the docs/ folder their links point into, the license and the example configs. Modes are fixed here, not read from the checkout, so a umask
// or a checkout's file modes cannot change the bytes; gzip carries no name or time.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { tarArchive } from "./tar.mjs";

/** Files from the exported source, by their path in the tarball: [path in source, mode]. */
const FILES = [
  ["scripts/install.sh", "install.sh", 0o755],
  ["README.md", "README.md", 0o644],
  ["INSTALL.md", "INSTALL.md", 0o644],
  ["LICENSE", "LICENSE", 0o644],
];

/** The tar entries of the tarball (what the tests read back), sorted by the tar writer. */
export function tarballEntries({ srcDir, executable, top }) {
  const entries = [
    { path: top, type: "dir", mode: 0o755 },
    { path: `${top}/pullkey`, type: "file", mode: 0o755, data: readFileSync(executable) },
    { path: `${top}/config`, type: "dir", mode: 0o755 },
    { path: `${top}/config/examples`, type: "dir", mode: 0o755 },
    { path: `${top}/docs`, type: "dir", mode: 0o755 },
  ];
  for (const [from, to, mode] of FILES) {
    entries.push({
      path: `${top}/${to}`,
      type: "file",
      mode,
      data: readFileSync(join(srcDir, from)),
    });
  }
  addTree(entries, srcDir, "config/examples", top);
  // README.md and INSTALL.md link into docs/: without it those links are dead in the tarball.
  addTree(entries, srcDir, "docs", top);
  return entries;
}

/** The files under `dir` of the source (not the folder itself), recursively, 0644 / 0755 dirs. */
function addTree(entries, srcDir, dir, top) {
  for (const item of readdirSync(join(srcDir, dir), { withFileTypes: true })) {
    const path = `${dir}/${item.name}`;
    if (item.isDirectory()) {
      entries.push({ path: `${top}/${path}`, type: "dir", mode: 0o755 });
      addTree(entries, srcDir, path, top);
    } else if (item.isFile()) {
      entries.push({
        path: `${top}/${path}`,
        type: "file",
        mode: 0o644,
        data: readFileSync(join(srcDir, path)),
      });
    }
  }
}

/** The .tar.gz bytes for one architecture; every time in it is `epoch`. */
export function tarball({ srcDir, executable, top, epoch }) {
  const tar = tarArchive(tarballEntries({ srcDir, executable, top }), epoch);
  // Node's gzip header has no file name and a zero time; the level is fixed (9 would take twice
  // as long for 0.3% less).
  return gzipSync(tar, { level: 6 });
}
