import { describe, expect, it } from "vitest";
import {
  formatGoDuration,
  parseConfigDuration,
  parseGoDuration,
} from "../../../provider/gocompat/duration.js";

describe("Go's time.ParseDuration", () => {
  it.each([
    { text: "10m", result: { value: 600_000 } },
    { text: "1h30m", result: { value: 5_400_000 } },
    { text: "0", result: { value: 0 } },
    { text: "-1m", result: { value: -60_000 } },
    { text: "+1s", result: { value: 1000 } },
    { text: "1.5s", result: { value: 1500 } },
    { text: "1.s", result: { value: 1000 } },
    { text: ".5s", result: { value: 500 } },
    { text: "2562047h47m16.854775807s", result: { value: 9_223_372_036_854.775 } },
    {
      text: "2562047h47m16.854775808s",
      result: { error: 'time: invalid duration "2562047h47m16.854775808s"' },
    },
    { text: "1d", result: { error: 'time: unknown unit "d" in duration "1d"' } },
    { text: "10", result: { error: 'time: missing unit in duration "10"' } },
    {
      text: "99999999999999999999",
      result: { error: 'time: invalid duration "99999999999999999999"' },
    },
    { text: "", result: { error: 'time: invalid duration ""' } },
    { text: "m", result: { error: 'time: invalid duration "m"' } },
    { text: "1é", result: { error: 'time: unknown unit "\\xc3\\xa9" in duration "1\\xc3\\xa9"' } },
  ])("parses $text as Go does", ({ text, result }) => {
    expect(parseGoDuration(text)).toEqual(result);
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
