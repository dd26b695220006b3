// A folder at a path that follows from a key alone, held by one build at a time. A startup
// snapshot keeps the blob maker's process.execPath (the real path of the running binary, from
// /proc/self/exe), so the binary that makes the blob must sit at the same path in every build:
// /tmp/pullkey-sea-<key>, not TMPDIR, which differs between machines.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

const OWNER = "owner.pid";

/** Whether process `pid` exists (EPERM: it exists, as another user's). */
function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === "EPERM";
  }
}

/**
 * Creates /tmp/pullkey-sea-<key> for this process and resolves with its path. Another build of
 * the same key holding it is waited for (at most `waitMs`); a holder that died is cleared.
 */
export async function claimFixedFolder(key, { waitMs = 10 * 60_000 } = {}) {
  const path = `/tmp/pullkey-sea-${key}`;
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      mkdirSync(path, { mode: 0o700 });
      writeFileSync(join(path, OWNER), `${process.pid}\n`);
      return path;
    } catch (error) {
      if (error.code !== "EEXIST") throw error;
    }
    let owner = Number.NaN;
    try {
      owner = Number(readFileSync(join(path, OWNER), "utf8"));
    } catch {
      // Just created, owner not written yet: wait a moment like for a live holder.
    }
    if (Number.isInteger(owner) && owner > 0 && !alive(owner)) {
      rmSync(path, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(`${path} is held by process ${owner} (another build of the same input)`);
    }
    await sleep(500);
  }
}
