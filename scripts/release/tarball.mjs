// The release tarball of one architecture: a top folder pullkey-<version>-linux-<arch>/ holding
// the executable (named `pullkey`, where install.sh looks for it), install.sh, the docs, the
// license and the example configs. Modes are fixed here, not read from the checkout, so a umask
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
  ];
  for (const [from, to, mode] of FILES) {
    entries.push({
      path: `${top}/${to}`,
      type: "file",
      mode,
      data: readFileSync(join(srcDir, from)),
    });
  }
  const examples = join(srcDir, "config", "examples");
  for (const name of readdirSync(examples)) {
    entries.push({
      path: `${top}/config/examples/${name}`,
      type: "file",
      mode: 0o644,
      data: readFileSync(join(examples, name)),
    });
  }
  return entries;
}

/** The .tar.gz bytes for one architecture; every time in it is `epoch`. */
export function tarball({ srcDir, executable, top, epoch }) {
  const tar = tarArchive(tarballEntries({ srcDir, executable, top }), epoch);
  // Node's gzip header has no file name and a zero time; the level is fixed (9 would take twice
  // as long for 0.3% less).
  return gzipSync(tar, { level: 6 });
}
