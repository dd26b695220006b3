import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  formatGoDuration,
  parseConfigDuration,
  parseGoDuration,
} from "../../../provider/gocompat/duration.js";

// The harness checks these rows against Go's time.ParseDuration.
const rows: { name: string; text: string; ms: number | null; error: string | null }[] = JSON.parse(
  readFileSync(new URL("../../fixtures/gocompat/durations.json", import.meta.url), "utf8"),
);

describe("Go's time.ParseDuration", () => {
  it.each(rows)("$name: $text", ({ text, ms, error }) => {
    expect(parseGoDuration(text)).toEqual(error === null ? { value: ms } : { error });
  });
});

describe("durations in pullkey's config", () => {
  it.each([
    { text: "0", ms: 0, why: "Go accepts a bare zero" },
    { text: "0s", ms: 0, why: "explicit zero: the kubelet does not cache" },
    { text: "30s", ms: 30_000, why: "seconds" },
    { text: "1h30m", ms: 5_400_000, why: "combined units" },
    { text: "1.5h", ms: 5_400_000, why: "fractions" },
    { text: "500ms", ms: 500, why: "milliseconds" },
    { text: "1500us", ms: 2, why: "microseconds round to whole milliseconds" },
    { text: "2µs", ms: 0, why: "the micro sign" },
  ])("reads $text as $ms ms ($why)", ({ text, ms }) => {
    expect(parseConfigDuration(text)).toBe(ms);
  });

  it.each([
    { text: "", why: "empty" },
    { text: "10", why: "a number without a unit (only 0 may omit it)" },
    { text: "-5m", why: "negative durations make no sense for caching" },
    { text: "+5m", why: "a sign is never needed" },
    { text: "5 m", why: "spaces" },
    { text: "1d", why: "Go has no day unit" },
    { text: "9999999999h", why: "past Go's 292-year limit" },
  ])("refuses $text ($why)", ({ text }) => {
    expect(parseConfigDuration(text)).toBeUndefined();
  });

  it.each([
    { ms: 0, text: "0s" },
    { ms: 500, text: "500ms" },
    { ms: 1_500, text: "1.5s" },
    { ms: 90_000, text: "1m30s" },
    { ms: 3_600_000, text: "1h0m0s" },
    { ms: 5_400_500, text: "1h30m0.5s" },
    { ms: -60_000, text: "-1m0s" },
  ])("formats $ms ms as Go's Duration.String does: $text", ({ ms, text }) => {
    expect(formatGoDuration(ms)).toBe(text);
    expect(parseGoDuration(text)).toEqual({ value: ms });
  });
});
