import { timeQuote } from "./quote.js";
import type { GoResult } from "./result.js";

/**
 * Go time.Duration strings: the kubelet's `defaultCacheDuration` and response `cacheDuration`,
 * and every duration in pullkey's own config. Values are milliseconds (Go's nanoseconds / 1e6).
 */

const UNIT_NS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n, // U+00B5 micro sign
  μs: 1_000n, // U+03BC Greek mu
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};
const LIMIT = 1n << 63n;

/** Go's time.ParseDuration, sign and overflow included, with Go's error text. */
export function parseGoDuration(text: string): GoResult<number> {
  const invalid = { error: `time: invalid duration ${timeQuote(text)}` };
  let rest = text;
  const negative = rest.startsWith("-");
  if (negative || rest.startsWith("+")) rest = rest.slice(1);
  if (rest === "0") return { value: 0 };
  if (rest === "") return invalid;
  let total = 0n;
  while (rest !== "") {
    const number = /^([0-9]*)(?:\.([0-9]*))?/.exec(rest);
    const whole = number?.[1] ?? "";
    const fraction = number?.[2];
    if (whole === "" && (fraction === undefined || fraction === "")) return invalid;
    // Go's leadingInt fails on an integer part past 2^63 before it looks at the unit.
    if (BigInt(whole || "0") > LIMIT) return invalid;
    rest = rest.slice(number?.[0].length ?? 0);
    const unitText = /^[^0-9.]*/.exec(rest)?.[0] ?? "";
    if (unitText === "") return { error: `time: missing unit in duration ${timeQuote(text)}` };
    const unit = UNIT_NS[unitText];
    if (unit === undefined) {
      return {
        error: `time: unknown unit ${timeQuote(unitText)} in duration ${timeQuote(text)}`,
      };
    }
    rest = rest.slice(unitText.length);
    let value = BigInt(whole || "0");
    if (value > LIMIT / unit) return invalid;
    value *= unit;
    const { digits, scale } = leadingFraction(fraction ?? "");
    if (digits > 0n) {
      // As Go: float64(f) * (float64(unit) / scale), truncated.
      value += BigInt(Math.trunc(Number(digits) * (Number(unit) / scale)));
      if (value > LIMIT) return invalid;
    }
    total += value;
    if (total > LIMIT) return invalid;
  }
  if (!negative && total > LIMIT - 1n) return invalid;
  const ms = Number(total) / 1e6;
  return { value: negative ? -ms : ms };
}

/** Go's leadingFraction: the digits it keeps before they would overflow, and their scale. */
function leadingFraction(text: string): { digits: bigint; scale: number } {
  let digits = 0n;
  let scale = 1;
  for (const c of text) {
    if (digits > (LIMIT - 1n) / 10n) break;
    const next = digits * 10n + BigInt(c);
    if (next > LIMIT) break;
    digits = next;
    scale *= 10;
  }
  return { digits, scale };
}

/** What pullkey's config accepts: a Go duration without a sign (the JSON Schema pattern). */
export const DURATION_PATTERN =
  "^(?:0|(?:(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(?:ns|us|µs|μs|ms|s|m|h))+)$";
const DURATION_RE = new RegExp(DURATION_PATTERN);

/**
 * A duration in pullkey's config, in whole milliseconds: Go's verdict, and no sign (a cache
 * duration is never negative). Undefined when it is not one.
 */
export function parseConfigDuration(text: string): number | undefined {
  if (!DURATION_RE.test(text)) return undefined;
  const parsed = parseGoDuration(text);
  return "error" in parsed ? undefined : Math.round(parsed.value);
}

/** Formats milliseconds the way Go's Duration.String does: `0s`, `500ms`, `1.5s`, `1h0m0s`. */
export function formatGoDuration(ms: number): string {
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
