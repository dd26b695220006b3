/**
 * Docker Hub's pull rate limit as its manifest responses report it (backends.md §A.3):
 * `ratelimit-limit: 100;w=21600`, `ratelimit-remaining: 20;w=21600`, and
 * `docker-ratelimit-source`. No headers at all means the pulls are not limited (a paid plan or
 * an exempt image or address), never zero pulls left.
 */
export type RateLimit =
  | { kind: "unlimited" }
  | {
      kind: "limited";
      limit: number;
      remaining: number;
      /** The window the counts apply to, in seconds (21600 = 6 h). */
      windowSeconds?: number;
      /** What the limit is keyed on: an IP address or an account id. */
      source?: string;
    }
  | { kind: "malformed"; problem: string };

/** Reads the rate-limit headers of one response; header names are lower case. */
export function parseRateLimit(headers: Readonly<Record<string, string | undefined>>): RateLimit {
  const limitHeader = headers["ratelimit-limit"];
  const remainingHeader = headers["ratelimit-remaining"];
  if (limitHeader === undefined && remainingHeader === undefined) return { kind: "unlimited" };
  if (limitHeader === undefined || remainingHeader === undefined) {
    const missing = limitHeader === undefined ? "ratelimit-limit" : "ratelimit-remaining";
    return { kind: "malformed", problem: `${missing} is missing while the other header is set` };
  }
  const limit = parseCount(limitHeader);
  const remaining = parseCount(remainingHeader);
  if (!limit) {
    return { kind: "malformed", problem: `ratelimit-limit ${JSON.stringify(limitHeader)}` };
  }
  if (!remaining) {
    return {
      kind: "malformed",
      problem: `ratelimit-remaining ${JSON.stringify(remainingHeader)}`,
    };
  }
  const result: RateLimit = { kind: "limited", limit: limit.count, remaining: remaining.count };
  const window = limit.window ?? remaining.window;
  if (window !== undefined) result.windowSeconds = window;
  const source = headers["docker-ratelimit-source"];
  if (source) result.source = source;
  return result;
}

/** `<count>[;w=<seconds>]`: the integer before the `;`, and the window when given. */
function parseCount(value: string): { count: number; window?: number } | undefined {
  const [countText = "", ...params] = value.split(";").map((part) => part.trim());
  if (!/^\d{1,12}$/.test(countText)) return undefined;
  const parsed: { count: number; window?: number } = { count: Number(countText) };
  for (const param of params) {
    const m = /^w=(\d{1,12})$/.exec(param);
    if (m) parsed.window = Number(m[1]);
  }
  return parsed;
}

/** "6h", "1h30m", "45s": the window for a human. */
export function describeWindow(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const parts = [h ? `${h}h` : "", m ? `${m}m` : "", s ? `${s}s` : ""].join("");
  return parts === "" ? "0s" : parts;
}
