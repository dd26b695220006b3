import { describe, expect, it } from "vitest";
import { describeWindow, parseRateLimit, type RateLimit } from "../../provider/doctor/ratelimit.js";

describe("reading Docker Hub's rate-limit headers", () => {
  it.each<{ name: string; headers: Record<string, string>; expected: RateLimit }>([
    {
      name: "both headers with the 6 h window and the source",
      headers: {
        "ratelimit-limit": "100;w=21600",
        "ratelimit-remaining": "20;w=21600",
        "docker-ratelimit-source": "192.0.2.1",
      },
      expected: {
        kind: "limited",
        limit: 100,
        remaining: 20,
        windowSeconds: 21600,
        source: "192.0.2.1",
      },
    },
    {
      name: "counts without a window",
      headers: { "ratelimit-limit": "200", "ratelimit-remaining": "0" },
      expected: { kind: "limited", limit: 200, remaining: 0 },
    },
    {
      name: "spaces around the parameters",
      headers: { "ratelimit-limit": " 200 ; w=21600", "ratelimit-remaining": "199 ;w=21600" },
      expected: { kind: "limited", limit: 200, remaining: 199, windowSeconds: 21600 },
    },
    {
      name: "no headers at all, which means not limited, never zero pulls left",
      headers: {},
      expected: { kind: "unlimited" },
    },
    {
      name: "only the limit",
      headers: { "ratelimit-limit": "100;w=21600" },
      expected: {
        kind: "malformed",
        problem: "ratelimit-remaining is missing while the other header is set",
      },
    },
    {
      name: "a limit that is not a number",
      headers: { "ratelimit-limit": "lots", "ratelimit-remaining": "1" },
      expected: { kind: "malformed", problem: 'ratelimit-limit "lots"' },
    },
    {
      name: "a negative remaining count",
      headers: { "ratelimit-limit": "100", "ratelimit-remaining": "-1;w=21600" },
      expected: { kind: "malformed", problem: 'ratelimit-remaining "-1;w=21600"' },
    },
  ])("parses $name", ({ headers, expected }) => {
    expect(parseRateLimit(headers)).toEqual(expected);
  });

  it.each([
    { seconds: 21600, text: "6h" },
    { seconds: 5400, text: "1h30m" },
    { seconds: 45, text: "45s" },
    { seconds: 0, text: "0s" },
  ])("writes a window of $seconds s as $text", ({ seconds, text }) => {
    expect(describeWindow(seconds)).toBe(text);
  });
});
