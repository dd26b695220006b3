import { oneLine } from "../errors.js";

/** What one plugin exec did, for the optional exec log. Holds no credential by construction. */
export interface ExecRecord {
  at: Date;
  durationMs: number;
  image: string;
  rule?: string | undefined;
  /** The source's description: a file path or secret id, never a secret. */
  source?: string | undefined;
  origin?: string | undefined;
  cacheKeyType?: string | undefined;
  cacheDuration?: string | undefined;
  /** Milliseconds of each source fetch (retries are separate fetches); empty on a cache hit. */
  fetchMs?: number[] | undefined;
  /** Error code and message of a failed exec (messages never carry secrets, errors.ts). */
  code?: string | undefined;
  message?: string | undefined;
}

/**
 * One logfmt line (`time=… level=info msg=answered image=…`), the format journald, Loki and
 * `grep` all read: keys fixed, values quoted when they hold spaces, quotes or `=`, control
 * characters folded so a line is always one line. Pure.
 */
export function execLogLine(record: ExecRecord): string {
  const failed = record.code !== undefined;
  const fields: [string, string | number | undefined][] = [
    ["time", record.at.toISOString()],
    ["level", failed ? "error" : "info"],
    ["msg", failed ? "failed" : "answered"],
    ["image", record.image],
    ["rule", record.rule],
    ["source", record.source],
    ["origin", record.origin],
    ["cacheKeyType", record.cacheKeyType],
    ["cacheDuration", record.cacheDuration],
    ["duration_ms", record.durationMs],
    ["fetch_ms", record.fetchMs?.length ? record.fetchMs.join(",") : undefined],
    ["code", record.code],
    ["error", record.message],
  ];
  return `${fields
    .filter((f): f is [string, string | number] => f[1] !== undefined)
    .map(([key, value]) => `${key}=${logfmtValue(String(value))}`)
    .join(" ")}\n`;
}

function logfmtValue(value: string): string {
  const flat = oneLine(value).slice(0, 500);
  return flat === "" || /[\s"=\\]/.test(flat) ? JSON.stringify(flat) : flat;
}
