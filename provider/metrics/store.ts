import { randomBytes } from "node:crypto";
import { readdir, rename, unlink } from "node:fs/promises";
import { basename, join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import {
  appendRecord,
  readPrivateFile,
  readPrivateJson,
  writePrivateFile,
  writePrivateJson,
} from "../state/file.js";
import { verifyStateDir } from "../state/folder.js";
import { tryLock } from "../state/lock.js";
import { renderTextfile } from "./render.js";
import {
  applyExec,
  decodeEvent,
  decodeState,
  type ExecEvent,
  encodeEvent,
  type MetricsState,
} from "./state.js";

/**
 * Metrics state under stateDir: every exec appends one record to `metrics.log` (one O_APPEND
 * write, no lock, so no exec is ever dropped), then whoever gets the fold lock moves the log
 * aside, adds its records to `metrics.json` and rewrites the textfile. A busy lock costs
 * nothing: the holder, or the next exec, folds the record in.
 */

/** An exec waits this long for another exec's fold before leaving its record to the next one. */
const FOLD_WAIT_MS = 500;
/** A fold takes milliseconds; its lock is abandoned past this. */
const FOLD_HOLD_MS = 5_000;
const MAX_STATE_BYTES = 1024 * 1024;
/** About 25,000 execs; a log this long means folds keep failing, and the rest is not counted. */
const MAX_LOG_BYTES = 4 * 1024 * 1024;
/** How many folded log ids the state remembers (only an interrupted fold leaves one behind). */
const FOLDED_IDS = 16;

export interface MetricsFiles {
  stateDir: string;
  /** The Prometheus textfile (0644, so node-exporter can read it). */
  textfile: string;
}

/** The state files for a stateDir and a configured textfile. */
export function metricsFiles(stateDir: string, textfile: string): MetricsFiles {
  return { stateDir, textfile };
}

/**
 * Records one exec and folds the pending records into the textfile. Returns false when the
 * exec could not be recorded (an unusable stateDir); throws nothing.
 */
export async function recordExec(
  files: MetricsFiles,
  event: ExecEvent,
  uid: number,
): Promise<boolean> {
  try {
    const verdict = await verifyStateDir(files.stateDir, uid, true);
    if (!verdict.ok) return false;
    const dir = verdict.dir;
    await appendRecord(join(dir, "metrics.log"), encodeEvent(event), uid);
    const until = Date.now() + FOLD_WAIT_MS;
    for (let pause = 10; ; pause = Math.min(100, pause * 2)) {
      const attempt = await tryLock(join(dir, "metrics.lock"), {
        uid,
        until: Date.now() + FOLD_HOLD_MS,
        now: () => Date.now(),
      });
      if ("held" in attempt) {
        try {
          await fold(dir, files.textfile, uid);
        } finally {
          await attempt.held.release();
        }
        return true;
      }
      if (Date.now() >= until) return true;
      await delay(pause);
    }
  } catch {
    return false;
  }
}

/** Adds every pending exec log to the state, then writes the state and the textfile. */
async function fold(dir: string, textfile: string, uid: number): Promise<void> {
  let state = decodeState(await readStateText(dir, uid));
  const id = randomBytes(8).toString("hex");
  try {
    await rename(join(dir, "metrics.log"), join(dir, `metrics.log.${id}.folding`));
  } catch (err) {
    if ((err as { code?: string }).code !== "ENOENT") throw err;
  }
  const pending = (await readdir(dir)).filter((name) =>
    /^metrics\.log\.[0-9a-f]+\.folding$/.test(name),
  );
  for (const name of pending) {
    const logId = name.split(".")[2] as string;
    if (state.folded.includes(logId)) continue;
    state = applyLog(state, await readLog(join(dir, name), uid));
    state.folded = [...state.folded, logId].slice(-FOLDED_IDS);
  }
  await writePrivateJson(join(dir, "metrics.json"), state);
  await writePrivateFile(textfile, renderTextfile(state), 0o644);
  for (const name of pending) await unlink(join(dir, name)).catch(() => undefined);
}

function applyLog(state: MetricsState, text: string): MetricsState {
  let next = state;
  for (const line of text.split("\n")) {
    const event = line === "" ? undefined : decodeEvent(line);
    if (event) next = applyExec(next, event);
  }
  return next;
}

async function readLog(path: string, uid: number): Promise<string> {
  const file = await readPrivateFile(path, { uid, maxBytes: MAX_LOG_BYTES, secret: false });
  return file?.bytes.toString("utf8") ?? "";
}

async function readStateText(dir: string, uid: number): Promise<string | undefined> {
  const doc = await readPrivateJson(join(dir, "metrics.json"), {
    uid,
    maxBytes: MAX_STATE_BYTES,
    secret: false,
  });
  return doc === undefined ? undefined : JSON.stringify(doc);
}

/** The counters as the next fold will write them (state plus pending records), for `pullkey doctor`. */
export async function readState(
  files: MetricsFiles,
  uid = process.getuid?.() ?? 0,
): Promise<MetricsState> {
  const verdict = await verifyStateDir(files.stateDir, uid, false);
  if (!verdict.ok) return decodeState(undefined);
  let state = decodeState(await readStateText(verdict.dir, uid));
  const names = await readdir(verdict.dir).catch(() => [] as string[]);
  for (const name of names.filter((n) => n === "metrics.log" || n.endsWith(".folding"))) {
    const logId = basename(name).split(".")[2];
    if (logId !== undefined && state.folded.includes(logId)) continue;
    state = applyLog(state, await readLog(join(verdict.dir, name), uid));
  }
  return state;
}
