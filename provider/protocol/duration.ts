/**
 * Go time.Duration strings, the format of the kubelet's `cacheDuration` and of pullkey's own
 * config. Values are held as whole milliseconds: registry credentials never need finer caching.
 */

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Matches what Go's time.ParseDuration accepts, minus the sign (cache durations are never negative). */
export const DURATION_PATTERN =
  "^(?:0|(?:(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(?:ns|us|µs|μs|ms|s|m|h))+)$";
const DURATION_RE = new RegExp(DURATION_PATTERN);
const PART_RE = /([0-9]*(?:\.[0-9]*)?)(ns|us|µs|μs|ms|s|m|h)/g;

/** Parses a Go duration string into milliseconds, or returns undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  if (!DURATION_RE.test(text)) return undefined;
  if (text === "0") return 0;
  let total = 0;
  for (const part of text.matchAll(PART_RE)) {
    const [, amount = "", unit = ""] = part;
    total += Number(amount) * (UNIT_MS[unit] ?? Number.NaN);
  }
  if (!Number.isFinite(total)) return undefined;
  return Math.round(total);
}

/** Formats milliseconds the way Go's Duration.String does: `0s`, `500ms`, `1.5s`, `1h0m0s`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) throw new RangeError("duration is not finite");
  const whole = Math.round(ms);
  if (whole === 0) return "0s";
  const sign = whole < 0 ? "-" : "";
  let rest = Math.abs(whole);
  if (rest < 1000) return `${sign}${rest}ms`;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  const millis = rest - seconds * 1000;
  const fraction = millis === 0 ? "" : `.${String(millis).padStart(3, "0").replace(/0+$/, "")}`;
  const secondsText = `${seconds}${fraction}s`;
  if (hours > 0) return `${sign}${hours}h${minutes}m${secondsText}`;
  if (minutes > 0) return `${sign}${minutes}m${secondsText}`;
  return `${sign}${secondsText}`;
}
