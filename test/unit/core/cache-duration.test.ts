import { describe, expect, it } from "vitest";
import { cacheDurationFor } from "../../../provider/core/cache-duration.js";

const now = new Date("2026-11-27T12:00:00Z");
const at = (offsetMs: number) => new Date(now.getTime() + offsetMs);

describe("the cache duration the kubelet is told", () => {
  it.each([
    {
      name: "is the configured duration when the credential has no expiry",
      configured: 600_000,
      expiresAt: undefined,
      want: 600_000,
    },
    {
      name: "is capped at half the remaining life of an expiring credential",
      configured: 3_600_000,
      expiresAt: at(1_800_000),
      want: 900_000,
    },
    {
      name: "stays the configured duration when the credential outlives it twice",
      configured: 60_000,
      expiresAt: at(3_600_000),
      want: 60_000,
    },
    {
      name: "is zero (do not cache) for an expired credential",
      configured: 600_000,
      expiresAt: at(-1),
      want: 0,
    },
    {
      name: "is rounded down to whole seconds",
      configured: 600_000,
      expiresAt: at(3_333),
      want: 1_000,
    },
  ])("$name", ({ configured, expiresAt, want }) => {
    expect(cacheDurationFor(configured, expiresAt, now)).toBe(want);
  });
});
