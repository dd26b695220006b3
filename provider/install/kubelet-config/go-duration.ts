import { goQuote } from "./go-url.js";

const UNIT_NS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  μs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/**
 * Go's time.ParseDuration, sign included, with its exact error texts: metav1.Duration (the
 * kubelet's `defaultCacheDuration`) fails to decode with these, and a negative value decodes
 * and is then rejected by validation. Milliseconds, like the rest of pullkey.
 */
export function goParseDuration(text: string): { ms: number } | { error: string } {
  const invalid = { error: `time: invalid duration ${goQuote(text)}` };
  let rest = text;
  let sign = 1;
  if (rest.startsWith("-") || rest.startsWith("+")) {
    sign = rest.startsWith("-") ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === "0") return { ms: 0 };
  if (rest === "") return invalid;
  let totalNs = 0;
  while (rest !== "") {
    const number = /^([0-9]*)(\.([0-9]*))?/.exec(rest);
    const whole = number?.[1] ?? "";
    const fraction = number?.[3];
    if (!/^[0-9.]/.test(rest) || (whole === "" && (fraction === undefined || fraction === ""))) {
      return invalid;
    }
    rest = rest.slice(number?.[0].length ?? 0);
    const unitMatch = /^[^0-9.]*/.exec(rest)?.[0] ?? "";
    if (unitMatch === "") return { error: `time: missing unit in duration ${goQuote(text)}` };
    const unit = UNIT_NS[unitMatch];
    if (unit === undefined) {
      return { error: `time: unknown unit ${goQuote(unitMatch)} in duration ${goQuote(text)}` };
    }
    rest = rest.slice(unitMatch.length);
    totalNs += Number(`${whole || "0"}.${fraction ?? ""}0`) * unit;
    if (totalNs > 2 ** 63) return invalid;
  }
  return { ms: (sign * Math.trunc(totalNs)) / 1e6 };
}
