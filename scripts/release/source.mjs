// The source a release is built from: one commit, exported with `git archive` into a fresh
// folder, so the release holds exactly what the commit holds (never an uncommitted edit) and the
// checkout's own path never reaches the build. The checkout's installed packages are linked in:
// package-lock.json pins them, and `npm ci` per release would only add time and network.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const git = (root, args) => execFileSync("git", args, { cwd: root, encoding: "utf8" }).trim();

/**
 * The commit `ref` names in the checkout at `root`: its full hash, its commit time (the release's
 * SOURCE_DATE_EPOCH, https://reproducible-builds.org/specs/source-date-epoch/) and whether the
 * checkout has changes the release will not contain.
 */
export function commitInfo(root, ref = "HEAD") {
  const commit = git(root, ["rev-parse", "--verify", `${ref}^{commit}`]);
  const epoch = Number(git(root, ["log", "-1", "--format=%ct", commit]));
  const dirty = git(root, ["status", "--porcelain", "--untracked-files=no"]) !== "";
  return { commit, epoch, dirty };
}

/**
 * Exports `commit` from the checkout at `root` into a new temporary folder, with the checkout's
 * node_modules (and the pinned SEA runtimes in scripts/sea) linked in. The caller removes it.
 */
export function exportCommit(root, commit) {
  const dir = mkdtempSync(join(tmpdir(), "pullkey-release-src-"));
  const archive = execFileSync("git", ["archive", "--format=tar", commit], {
    cwd: root,
    maxBuffer: 512 * 1024 * 1024,
  });
  execFileSync("tar", ["-x", "-C", dir], { input: archive });
  link(join(root, "node_modules"), join(dir, "node_modules"));
  link(join(root, "scripts", "sea", "node_modules"), join(dir, "scripts", "sea", "node_modules"));
  return dir;
}

function link(target, path) {
  if (!existsSync(target)) throw new Error(`release: ${target} is missing; run npm ci first`);
  mkdirSync(join(path, ".."), { recursive: true });
  symlinkSync(target, path);
}
