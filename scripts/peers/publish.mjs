// Every peer is built in a temp folder beside its cache folder (`<dir>.tmp-<pid>`) and renamed
// into place when complete, so a killed build never leaves a half-made peer that a later run
// would trust, and the next run can tell an abandoned temp folder by its dead builder's pid.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { basename, join } from "node:path";

const log = (line) => process.stderr.write(`peers: ${line}\n`);

/** Moves the finished build `tmp` to `dir`; when another process got there first, keeps theirs. */
export function publishBuild(tmp, dir, binary) {
  try {
    renameSync(tmp, dir);
  } catch (error) {
    // Another process finished the same build first; its binary is as good as ours.
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(binary)) throw error;
  }
}

/**
 * Runs `build(tmp)` in a fresh temp folder beside `dir` and publishes it as `dir` (a failed build
 * leaves nothing behind); resolves with `binary`. `what` completes the log line "building ...".
 */
export async function buildInto({ dir, binary, what, build }) {
  sweepAbandoned(dir);
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const started = Date.now();
  log(`building ${what}`);
  try {
    await build(tmp);
  } catch (error) {
    rmSync(tmp, { recursive: true, force: true });
    throw error;
  }
  publishBuild(tmp, dir, binary);
  log(`built ${binary} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return binary;
}

/** Removes half-made builds of `dir` (a whole source copy, or ~180 MB) whose builder was killed. */
export function sweepAbandoned(dir) {
  const parent = join(dir, "..");
  if (!existsSync(parent)) return;
  const base = `${basename(dir)}.tmp-`;
  for (const entry of readdirSync(parent)) {
    const pid = Number(entry.slice(base.length));
    if (entry.startsWith(base) && pid !== process.pid && !pidAlive(pid)) {
      rmSync(join(parent, entry), { recursive: true, force: true });
    }
  }
}

/** Whether a process with this pid exists (EPERM: it does, owned by someone else). */
export function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === "EPERM";
  }
}
