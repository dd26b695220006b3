import { mkdir, readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { breakLock, isAbandoned, processIsAlive, readLock, tryLock } from "../cache/lock.js";
import { writeFileAtomic } from "../files.js";
import { renderTextfile } from "./render.js";
import { applyExec, decodeState, type ExecEvent } from "./state.js";

/**
 * How long an exec waits for other execs' metrics updates before dropping its own. An update
 * takes milliseconds, so even 50 execs at once (a node starting pods) fit well inside this.
 */
const LOCK_WAIT_MS = 1_000;
/** A metrics update takes milliseconds; a lock older than this was left by a killed exec. */
const MAX_HOLD_MS = 5_000;

export interface MetricsFiles {
  /** `<stateDir>/metrics.json`: the counters (0600, root-only like the rest of stateDir). */
  state: string;
  /** The Prometheus textfile (0644, so node-exporter can read it). */
  textfile: string;
}

/** The state and lock files for a stateDir and a configured textfile. */
export function metricsFiles(stateDir: string, textfile: string): MetricsFiles {
  return { state: join(stateDir, "metrics.json"), textfile };
}

/**
 * Adds one exec under a lock (execs run in parallel; without it they would lose increments),
 * then rewrites the state and the textfile, each atomically: node-exporter never reads a half
 * written file. Returns false when the lock stayed busy and the exec was not counted.
 */
export async function recordExec(
  files: MetricsFiles,
  event: ExecEvent,
  sleep: (ms: number) => Promise<void>,
): Promise<boolean> {
  await mkdir(dirname(files.state), { recursive: true, mode: 0o700 });
  const lockPath = `${files.state}.lock`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    const lock = await tryLock(lockPath, new Date());
    if (lock) {
      try {
        const text = await readFile(files.state, "utf8").catch(() => undefined);
        const state = applyExec(decodeState(text), event);
        await writeFileAtomic(files.state, JSON.stringify(state), 0o600);
        await writeFileAtomic(files.textfile, renderTextfile(state), 0o644);
        return true;
      } finally {
        await lock.release();
      }
    }
    const holder = await readLock(lockPath);
    if (holder && isAbandoned(holder, new Date(), MAX_HOLD_MS, processIsAlive)) {
      await breakLock(lockPath);
      continue;
    }
    if (Date.now() >= deadline) return false;
    await sleep(10);
  }
}

/** Reads the last rendered textfile's state, for `pullkey doctor`. */
export async function readState(files: MetricsFiles) {
  return decodeState(await readFile(files.state, "utf8").catch(() => undefined));
}
