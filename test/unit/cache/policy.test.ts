import { describe, expect, it } from "vitest";
import { canServeStale, freshUntil, isFresh } from "../../../provider/cache/policy.js";
import { isTransient } from "../../../provider/errors.js";

const T0 = new Date("2026-11-27T12:00:00Z");
const at = (ms: number) => new Date(T0.getTime() + ms);
const HOUR = 3_600_000;

describe("cache freshness", () => {
  it.each([
    {
      name: "without jitter an entry is fresh for the whole cache duration",
      random: 0,
      until: at(HOUR),
    },
    {
      name: "jitter ends freshness up to a tenth earlier",
      random: 0.999,
      until: at(HOUR - 359_640),
    },
    { name: "jitter in the middle", random: 0.5, until: at(HOUR - 180_000) },
  ])("$name", ({ random, until }) => {
    expect(freshUntil(T0, HOUR, random)).toEqual(until);
  });

  it.each([
    { name: "fresh before freshUntil", now: at(59 * 60_000), expiresAt: undefined, fresh: true },
    { name: "not fresh at freshUntil", now: at(HOUR), expiresAt: undefined, fresh: false },
    {
      name: "never fresh once the credential expired",
      now: at(60_000),
      expiresAt: at(30_000),
      fresh: false,
    },
  ])("$name", ({ now, expiresAt, fresh }) => {
    expect(isFresh({ fetchedAt: T0, freshUntil: at(HOUR), expiresAt }, now)).toBe(fresh);
  });
});

describe("serving stale credentials while the source fails", () => {
  const entry = { fetchedAt: T0, freshUntil: at(HOUR) };
  it.each([
    {
      name: "allowed within staleIfError after freshness",
      now: at(HOUR + 23 * HOUR),
      limit: 24 * HOUR,
      entry,
      ok: true,
    },
    {
      name: "refused past staleIfError",
      now: at(HOUR + 24 * HOUR),
      limit: 24 * HOUR,
      entry,
      ok: false,
    },
    { name: "refused when staleIfError is 0s", now: at(HOUR + 1), limit: 0, entry, ok: false },
    {
      name: "refused once the credential itself expired",
      now: at(2 * HOUR),
      limit: 24 * HOUR,
      entry: { ...entry, expiresAt: at(90 * 60_000) },
      ok: false,
    },
  ])("$name", ({ now, limit, entry: e, ok }) => {
    expect(canServeStale(e, now, limit)).toBe(ok);
  });

  it.each([
    { code: "SOURCE_UNREACHABLE", transient: true },
    { code: "SOURCE_UNAVAILABLE", transient: true },
    { code: "DEADLINE_EXCEEDED", transient: true },
    { code: "SOURCE_DENIED", transient: false },
    { code: "SOURCE_NOT_FOUND", transient: false },
    { code: "SOURCE_AUTH_FAILED", transient: false },
    { code: "SOURCE_FORMAT", transient: false },
    { code: "SOURCE_TLS", transient: false },
  ] as const)("treats $code as transient: $transient", ({ code, transient }) => {
    expect(isTransient(code)).toBe(transient);
  });
});
