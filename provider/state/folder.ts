import { dirname, isAbsolute, join, sep } from "node:path";
import { chmod, lstat, mkdir, realpath, stat } from "../fs-async.js";

/**
 * Whether a stateDir may be used, checked the way ssh's StrictModes checks ~/.ssh: the folder
 * and every folder on the way to it (as configured and as resolved through symlinks) must be
 * owned by root or by us and not writable by group or other, so no other user can rename, remove
 * or plant anything in it. One exception: a world-writable folder with the sticky bit (/tmp) is
 * accepted on the way (not as stateDir itself), because there others can add names but cannot
 * rename or remove ours; a name under it must then itself be owned by root or by us.
 */

/** A stateDir that passed the checks, or why it did not. */
export type StateDirVerdict = { ok: true; dir: string } | { ok: false; problem: string };

const verdicts = new Map<string, Promise<StateDirVerdict>>();

/**
 * Verifies `dir` for `uid`, creating it (0700) inside a trusted parent when `create` is set.
 * The verdict is kept for the rest of the exec: every user of stateDir (compiled config, cache,
 * Vault tokens, metrics) asks, the file system is walked once.
 */
export function verifyStateDir(
  dir: string,
  uid: number,
  create: boolean,
): Promise<StateDirVerdict> {
  const memo = `${uid}\0${dir}`;
  const known = verdicts.get(memo);
  if (known) {
    return known.then((verdict) =>
      verdict.ok || !create ? verdict : remember(memo, check(dir, uid, create)),
    );
  }
  return remember(memo, check(dir, uid, create));
}

function remember(memo: string, verdict: Promise<StateDirVerdict>): Promise<StateDirVerdict> {
  verdicts.set(memo, verdict);
  return verdict;
}

/** Forgets the verdicts (tests change folders between calls in one process). */
export function forgetStateDirVerdicts(): void {
  verdicts.clear();
}

async function check(dir: string, uid: number, create: boolean): Promise<StateDirVerdict> {
  if (!isAbsolute(dir)) return { ok: false, problem: `stateDir ${dir} is not an absolute path` };
  try {
    let missing = false;
    try {
      await stat(dir);
    } catch (err) {
      if ((err as { code?: string }).code !== "ENOENT") throw err;
      missing = true;
    }
    if (missing) {
      if (!create) return { ok: false, problem: `${dir} does not exist` };
      // Create only below a folder that passes the checks: never inside a foreign one.
      const parent = await nearestExisting(dirname(dir));
      const { problem } = await chainProblem(parent, uid, true);
      if (problem) return { ok: false, problem };
      await mkdir(dir, { recursive: true, mode: 0o700 });
    }
    const { problem, real } = await chainProblem(dir, uid, false);
    return problem ? { ok: false, problem } : { ok: true, dir: real };
  } catch (err) {
    return { ok: false, problem: `${dir}: ${(err as { code?: string }).code ?? "unusable"}` };
  }
}

async function nearestExisting(dir: string): Promise<string> {
  for (let at = dir; ; at = dirname(at)) {
    try {
      await stat(at);
      return at;
    } catch (err) {
      if ((err as { code?: string }).code !== "ENOENT" || at === dirname(at)) throw err;
    }
  }
}

/**
 * Why `dir`, the folders on its way, or its resolved form cannot be trusted (undefined when they
 * can), and the resolved form.
 */
async function chainProblem(
  dir: string,
  uid: number,
  ancestorOnly: boolean,
): Promise<{ problem: string | undefined; real: string }> {
  const real = await realpath(dir);
  const lexical = prefixes(dir);
  const resolved = prefixes(real);
  // Usually no symlink is on the way: the resolved chain is the same folders, judged once.
  const chains = sameList(lexical, resolved) ? [lexical] : [lexical, resolved];
  const judge = async (path: string, last: boolean, parentSticky: boolean) => {
    const link = await lstat(path);
    // A symlink is judged by where it leads, and by its owner inside a sticky folder.
    const info = link.isSymbolicLink() ? await stat(path) : link;
    const ownerOk = (owner: number) => owner === 0 || owner === uid;
    if (parentSticky && !ownerOk(link.uid))
      return `${path} is owned by uid ${link.uid} inside a folder anyone may write to`;
    if (!info.isDirectory()) return `${path} is not a folder`;
    if (!ownerOk(info.uid)) return `${path} is owned by uid ${info.uid}, not root or ${uid}`;
    const othersWrite = (info.mode & 0o022) !== 0;
    const sticky = (info.mode & 0o1000) !== 0;
    if (othersWrite && (last || !sticky))
      return `${path} is writable by group or other (mode ${(info.mode & 0o7777).toString(8)})`;
    return othersWrite ? "sticky" : undefined;
  };
  for (const chain of chains) {
    let parentSticky = false;
    for (const [i, path] of chain.entries()) {
      const verdict = await judge(path, !ancestorOnly && i === chain.length - 1, parentSticky);
      if (verdict !== undefined && verdict !== "sticky") return { problem: verdict, real };
      parentSticky = verdict === "sticky";
    }
  }
  return { problem: undefined, real };
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item, i) => item === b[i]);
}

/** `/a/b/c` → `/`, `/a`, `/a/b`, `/a/b/c`. */
function prefixes(path: string): string[] {
  const parts = path.split(sep).filter(Boolean);
  return [sep, ...parts.map((_, i) => join(sep, ...parts.slice(0, i + 1)))];
}

/**
 * A private folder directly under a verified stateDir (`cache`, `config`, `vault-tokens`):
 * created 0700 when `create` is set, then it must be a real folder (not a symlink) owned by us
 * and not writable by group or other. A folder of secrets (`secret`) may not even be readable by
 * them: it is not used while it is, and a write (`create`) narrows it back to 0700, as pullkey
 * made it.
 */
export async function privateFolder(
  stateDir: string,
  name: string,
  uid: number,
  create: boolean,
  secret = false,
): Promise<StateDirVerdict> {
  const verdict = await verifyStateDir(stateDir, uid, create);
  if (!verdict.ok) return verdict;
  const path = join(verdict.dir, name);
  try {
    if (create) await mkdir(path, { mode: 0o700 }).catch(ignoreExists);
    const info = await lstat(path);
    const mode = (info.mode & 0o777).toString(8);
    if (!info.isDirectory()) return { ok: false, problem: `${path} is not a folder` };
    if (info.uid !== uid)
      return { ok: false, problem: `${path} is owned by uid ${info.uid}, not ${uid}` };
    if ((info.mode & 0o022) !== 0)
      return { ok: false, problem: `${path} is writable by group or other (mode ${mode})` };
    if (secret && (info.mode & 0o077) !== 0) {
      if (!create)
        return { ok: false, problem: `${path} is readable by group or other (mode ${mode})` };
      await chmod(path, 0o700);
    }
    return { ok: true, dir: path };
  } catch (err) {
    return { ok: false, problem: `${path}: ${(err as { code?: string }).code ?? "unusable"}` };
  }
}

function ignoreExists(err: unknown): void {
  if ((err as { code?: string }).code !== "EEXIST") throw err;
}
