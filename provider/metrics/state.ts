/**
 * The counters behind pullkey's Prometheus textfile, kept between execs in one small JSON file
 * under stateDir. Every label value comes from a fixed set (result, source type, origin, error
 * code), never from an image or registry name, so the series count stays bounded. Pure.
 */

/** Upper bounds of the backend latency histogram, in seconds: a local file to a slow Vault. */
export const DURATION_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25] as const;

export type Origin = "backend" | "cache" | "stale";

export interface Histogram {
  /** Cumulative counts, one per DURATION_BUCKETS entry (the +Inf bucket is `count`). */
  buckets: number[];
  sum: number;
  count: number;
}

export interface MetricsState {
  v: 1;
  /** `result|source` → execs, e.g. `success|vault`. */
  execs: Record<string, number>;
  /** Error code → failed execs. */
  failures: Record<string, number>;
  answers: Record<Origin, number>;
  /** Source type → latency of each source fetch (one per attempt, login included). */
  backend: Record<string, Histogram>;
  /** Unix seconds of the last successful exec; 0 before the first. */
  lastSuccess: number;
  /**
   * Exec log file name → bytes already folded in: each record is counted once, whoever folds,
   * and records appended after a fold read the file are picked up by the next.
   */
  logs: Record<string, number>;
  /** A log rename this state promised; the next fold completes it if a crash came between. */
  rotating?: string;
}

/** What one exec contributes. */
export interface ExecEvent {
  /** Error code when the exec failed. */
  failure?: string;
  /** The rule's source type, or "none" when no rule matched. */
  source: string;
  origin?: Origin;
  /** Seconds each source fetch took in this exec. */
  backendSeconds: number[];
  at: Date;
}

/**
 * One exec as a line of the append-only exec log (`metrics.log`): small enough for one atomic
 * O_APPEND write, so every exec is recorded without waiting for any other.
 */
export function encodeEvent(event: ExecEvent): string {
  return JSON.stringify({
    s: event.source,
    f: event.failure,
    o: event.origin,
    b: event.backendSeconds.slice(0, 8).map((n) => Math.round(n * 1e6) / 1e6),
    t: event.at.getTime(),
  });
}

/** Decodes one exec log line; undefined for anything malformed (a torn or foreign line). */
export function decodeEvent(line: string): ExecEvent | undefined {
  try {
    const doc = JSON.parse(line) as Record<string, unknown>;
    const { s, f, o, b, t } = doc as {
      s?: unknown;
      f?: unknown;
      o?: unknown;
      b?: unknown;
      t?: unknown;
    };
    if (typeof s !== "string" || typeof t !== "number" || !Array.isArray(b)) return undefined;
    if (f !== undefined && typeof f !== "string") return undefined;
    if (o !== undefined && o !== "backend" && o !== "cache" && o !== "stale") return undefined;
    if (!b.every((n) => typeof n === "number" && Number.isFinite(n) && n >= 0)) return undefined;
    return {
      source: s,
      backendSeconds: b as number[],
      at: new Date(t),
      ...(f === undefined ? {} : { failure: f }),
      ...(o === undefined ? {} : { origin: o as Origin }),
    };
  } catch {
    return undefined;
  }
}

/** The state before the first exec: every counter at zero. */
export function emptyState(): MetricsState {
  return {
    v: 1,
    execs: {},
    failures: {},
    answers: { backend: 0, cache: 0, stale: 0 },
    backend: {},
    lastSuccess: 0,
    logs: {},
  };
}

/** Adds one exec to the counters; returns a new state. */
export function applyExec(state: MetricsState, event: ExecEvent): MetricsState {
  const next: MetricsState = structuredClone(state);
  const result = event.failure === undefined ? "success" : "failure";
  const key = `${result}|${event.source}`;
  next.execs[key] = (next.execs[key] ?? 0) + 1;
  if (event.failure !== undefined) {
    next.failures[event.failure] = (next.failures[event.failure] ?? 0) + 1;
  } else {
    next.lastSuccess = event.at.getTime() / 1000;
  }
  if (event.origin) next.answers[event.origin] += 1;
  for (const seconds of event.backendSeconds) {
    const h = next.backend[event.source] ?? {
      buckets: DURATION_BUCKETS.map(() => 0),
      sum: 0,
      count: 0,
    };
    next.backend[event.source] = h;
    DURATION_BUCKETS.forEach((le, i) => {
      if (seconds <= le) h.buckets[i] = (h.buckets[i] ?? 0) + 1;
    });
    h.sum += seconds;
    h.count += 1;
  }
  return next;
}

/**
 * Reads a stored state; anything unexpected gives a fresh one, which Prometheus sees as a
 * counter reset (rate() handles that), never as a crash in the plugin.
 */
export function decodeState(text: string | undefined): MetricsState {
  if (text === undefined) return emptyState();
  try {
    const doc = JSON.parse(text) as Partial<MetricsState>;
    if (doc.v !== 1 || !isCounts(doc.execs) || !isCounts(doc.failures) || !isCounts(doc.answers))
      return emptyState();
    if (typeof doc.lastSuccess !== "number" || typeof doc.backend !== "object" || !doc.backend)
      return emptyState();
    for (const h of Object.values(doc.backend)) {
      if (
        !Array.isArray(h.buckets) ||
        h.buckets.length !== DURATION_BUCKETS.length ||
        typeof h.sum !== "number" ||
        typeof h.count !== "number"
      )
        return emptyState();
    }
    const base = emptyState();
    const logs = isCounts(doc.logs) ? doc.logs : {};
    return { ...(doc as MetricsState), answers: { ...base.answers, ...doc.answers }, logs };
  } catch {
    return emptyState();
  }
}

function isCounts(value: unknown): value is Record<string, number> {
  return (
    typeof value === "object" &&
    value !== null &&
    Object.values(value).every((n) => typeof n === "number" && Number.isFinite(n) && n >= 0)
  );
}
