import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { sha256Hex } from "../sha256.js";
import { privateFolder } from "../state/folder.js";
import { tryLock } from "../state/lock.js";
import { type CompiledConfigKey, readCompiled, writeCompiled } from "./compiled.js";
import type { Config } from "./config.js";

/** A compile takes tens of milliseconds; a compile lock older than this was left by a dead exec. */
const COMPILE_HOLD_MS = 5_000;
/** How long an exec waits for another's compiled copy before compiling itself. */
const WAIT_MS = 5_000;

type Compiled = { config: Config; warnings: string[] };

/**
 * The compiled config for this content: the stored copy, or else one compile for all the execs
 * that start together. A node starting 200 pods of a new image runs pullkey 200 times at once on
 * a config nobody has compiled yet; compiling costs each exec about as much CPU as the rest of
 * its work, so the first takes the compile lock (state/lock.ts) and the others sleep until its
 * copy lands. Any problem with the lock or the folder means compiling here, as before.
 */
export async function compileOnce(
  stateDir: string,
  key: CompiledConfigKey,
  uid: number,
  compile: () => Promise<Compiled>,
): Promise<Compiled> {
  const stored = await readCompiled(stateDir, key, uid);
  if (stored) return { config: stored, warnings: [] };
  const folder = await privateFolder(stateDir, "config", uid, true);
  if (!folder.ok) return compileAndStore(key, uid, compile);
  const lockPath = join(folder.dir, `${sha256Hex(key.file)}.lock`);
  const waitUntil = Date.now() + WAIT_MS;
  for (let pause = 20; ; pause = Math.min(250, Math.ceil(pause * 1.5))) {
    let attempt: Awaited<ReturnType<typeof tryLock>>;
    try {
      attempt = await tryLock(lockPath, {
        uid,
        until: Date.now() + COMPILE_HOLD_MS,
        now: () => Date.now(),
      });
    } catch {
      return compileAndStore(key, uid, compile);
    }
    if ("held" in attempt) {
      try {
        const landed = await readCompiled(stateDir, key, uid);
        if (landed) return { config: landed, warnings: [] };
        return await compileAndStore(key, uid, compile);
      } finally {
        await attempt.held.release();
      }
    }
    if (Date.now() >= waitUntil) return compileAndStore(key, uid, compile);
    await delay(pause);
    const landed = await readCompiled(stateDir, key, uid);
    if (landed) return { config: landed, warnings: [] };
  }
}

async function compileAndStore(
  key: CompiledConfigKey,
  uid: number,
  compile: () => Promise<Compiled>,
): Promise<Compiled> {
  const result = await compile();
  await writeCompiled(result.config, key, uid);
  return result;
}
