import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { readdir, rename, unlink } from "../fs-async.js";
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
 * write, no lock, so no exec is ever dropped), then whoever gets the fold lock adds the records
 * not yet counted (by byte offset, kept in `metrics.json`) and rewrites the textfile. A busy lock
 * costs nothing: the holder, or the next exec, folds the record in. A log is never renamed while
 * it could be short of records: it is rotated (renamed aside) only when big, and a rotated log is
 * still read by offset until it has been quiet longer than any exec lives.
 */

/** An exec waits this long for another exec's fold before leaving its record to the next one. */
const FOLD_WAIT_MS = 500;
/** A fold takes milliseconds; its lock is abandoned past this. */
const FOLD_HOLD_MS = 5_000;
const MAX_STATE_BYTES = 1024 * 1024;
/** The exec log is renamed aside past this size (about 1,700 execs). */
const ROTATE_BYTES = 256 * 1024;
/** A log this long means folds keep failing; the rest is not counted. */
const MAX_LOG_BYTES = 4 * 1024 * 1024;
/** A rotated log quiet this long cannot get another record: every exec that had it open has ended. */
const QUIET_MS = 120_000;
const LOG = "metrics.log";
const ROTATED = /^metrics\.log\.[0-9a-f]+\.old$/;

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

/** Adds every record not yet counted to the state, then writes the state and the textfile. */
async function fold(dir: string, textfile: string, uid: number): Promise<void> {
  let state = decodeState(await readStateText(dir, uid));
  let names = await readdir(dir);
  // A rotation the last fold promised but did not finish (a crash between the two steps).
  if (typeof state.rotating === "string") {
    if (!names.includes(state.rotating) && names.includes(LOG))
      await rename(join(dir, LOG), join(dir, state.rotating));
    delete state.rotating;
    names = await readdir(dir);
  }
  for (const name of Object.keys(state.logs)) if (!names.includes(name)) delete state.logs[name];
  const logs = names.filter((name) => name === LOG || ROTATED.test(name));
  const sizes = new Map<string, { size: number; mtimeMs: number }>();
  for (const name of logs) {
    const read = await readNew(join(dir, name), state.logs[name] ?? 0, uid);
    if (!read) continue;
    state = applyLog(state, read.text);
    state.logs[name] = (state.logs[name] ?? 0) + read.consumed;
    sizes.set(name, read.file);
  }
  const log = sizes.get(LOG);
  if (log && state.logs[LOG] === log.size && log.size > ROTATE_BYTES) {
    const aside = `metrics.log.${randomBytes(8).toString("hex")}.old`;
    state.logs[aside] = log.size;
    state.logs[LOG] = 0;
    state.rotating = aside;
    await writePrivateJson(join(dir, "metrics.json"), state);
    await rename(join(dir, LOG), join(dir, aside));
  } else {
    await writePrivateJson(join(dir, "metrics.json"), state);
  }
  await writePrivateFile(textfile, renderTextfile(state), 0o644);
  for (const [name, file] of sizes) {
    if (name !== LOG && state.logs[name] === file.size && Date.now() - file.mtimeMs > QUIET_MS)
      await unlink(join(dir, name)).catch(() => undefined);
  }
}

function applyLog(state: MetricsState, text: string): MetricsState {
  let next = state;
  for (const line of text.split("\n")) {
    const event = line === "" ? undefined : decodeEvent(line);
    if (event) next = applyExec(next, event);
  }
  return next;
}

/** The complete records of a log past `from`, and how many bytes they take. */
async function readNew(path: string, from: number, uid: number) {
  const file = await readPrivateFile(path, { uid, maxBytes: MAX_LOG_BYTES, secret: false, from });
  if (!file) return undefined;
  // Shorter than what was counted: not the file we counted (removed and created again).
  if (file.size < from) return readNew(path, 0, uid);
  // Only whole lines: a record being appended right now is counted by the next fold.
  const end = file.bytes.lastIndexOf(0x0a) + 1;
  return { text: file.bytes.subarray(0, end).toString("utf8"), consumed: end, file };
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
  for (const name of names.filter((n) => n === LOG || ROTATED.test(n))) {
    const read = await readNew(join(verdict.dir, name), state.logs[name] ?? 0, uid);
    if (read) state = applyLog(state, read.text);
  }
  return state;
}
