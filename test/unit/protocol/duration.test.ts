import { describe, expect, it } from "vitest";
import { formatDuration, parseDuration } from "../../../provider/protocol/duration.js";

describe("Go duration strings", () => {
  it.each([
    { text: "0", ms: 0, why: "Go accepts a bare zero" },
    { text: "0s", ms: 0, why: "explicit zero: the kubelet does not cache" },
    { text: "30s", ms: 30_000, why: "seconds" },
    { text: "10m", ms: 600_000, why: "minutes" },
    { text: "12h", ms: 43_200_000, why: "hours" },
    { text: "1h30m", ms: 5_400_000, why: "combined units" },
    { text: "1.5h", ms: 5_400_000, why: "fractions" },
    { text: "500ms", ms: 500, why: "milliseconds" },
    { text: "1500us", ms: 2, why: "microseconds round to whole milliseconds" },
    { text: "2µs", ms: 0, why: "the micro sign" },
  ])("parses $text as $ms ms ($why)", ({ text, ms }) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([
    { text: "", why: "empty" },
    { text: "10", why: "a number without a unit (only 0 may omit it)" },
    { text: "-5m", why: "negative durations make no sense for caching" },
    { text: "5 m", why: "spaces" },
    { text: "1d", why: "Go has no day unit" },
    { text: "m", why: "a unit without a number" },
  ])("rejects $text ($why)", ({ text }) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it.each([
    { ms: 0, text: "0s" },
    { ms: 500, text: "500ms" },
    { ms: 1_000, text: "1s" },
    { ms: 1_500, text: "1.5s" },
    { ms: 90_000, text: "1m30s" },
    { ms: 3_600_000, text: "1h0m0s" },
    { ms: 5_400_500, text: "1h30m0.5s" },
    { ms: 43_200_000, text: "12h0m0s" },
    { ms: -60_000, text: "-1m0s" },
  ])("formats $ms ms as Go's Duration.String does: $text", ({ ms, text }) => {
    expect(formatDuration(ms)).toBe(text);
    expect(parseDuration(text.replace(/^-/, ""))).toBe(Math.abs(ms));
  });
});
