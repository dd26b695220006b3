import {
  chmodSync,
  chownSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type CachedFetchDeps, fetchThroughCache } from "../../../provider/cache/cached-fetch.js";
import { CacheStore } from "../../../provider/cache/store.js";
import { PullkeyError } from "../../../provider/errors.js";
import type { RegistryCredential } from "../../../provider/sources/source.js";

const T0 = new Date("2026-11-27T12:00:00Z").getTime();
const MINUTE = 60_000;
let dir: string;
let store: CacheStore;
let clock: number;

const options = (overrides: Partial<Parameters<typeof fetchThroughCache>[2]> = {}) => ({
  key: "k".repeat(64),
  rule: "hub",
  source: "static /etc/pullkey/token",
  cacheDurationMs: 10 * MINUTE,
  staleIfErrorMs: 60 * MINUTE,
  maxHoldMs: 25_000,
  waitUntil: new Date(clock + 18_000),
  ...overrides,
});

// The file system is real (a temp folder); only time is simulated, so sleeping advances the clock.
const deps = (overrides: Partial<CachedFetchDeps> = {}): CachedFetchDeps => ({
  now: () => new Date(clock),
  random: () => 0,
  sleep: async (ms) => {
    clock += ms;
    await new Promise((resolve) => setImmediate(resolve));
  },
  signal: new AbortController().signal,
  warn: () => undefined,
  isAlive: () => true,
  ...overrides,
});

function counting(result: () => Promise<RegistryCredential>) {
  const calls = { count: 0 };
  const fetch = async () => {
    calls.count++;
    return result();
  };
  return { calls, fetch };
}

const ok = async () => ({ username: "u", password: "p1" });
const down = async (): Promise<RegistryCredential> => {
  throw new PullkeyError("SOURCE_UNREACHABLE", "connection refused");
};

beforeEach(async () => {
  clock = T0;
  dir = mkdtempSync(join(tmpdir(), "pullkey-cache-"));
  store = new CacheStore(join(dir, "cache"), process.getuid?.() ?? 0);
  expect(await store.prepare()).toBeUndefined();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("the node-local credential cache", () => {
  it("fetches on a miss and answers from the entry until it goes stale, without the source", async () => {
    const { calls, fetch } = counting(ok);
    expect((await fetchThroughCache(store, fetch, options(), deps())).origin).toBe("backend");
    clock += 9 * MINUTE;
    const second = await fetchThroughCache(store, fetch, options(), deps());
    expect(second).toMatchObject({ origin: "cache", credential: { password: "p1" } });
    expect(calls.count).toBe(1);
  });

  it("fetches again once the entry is no longer fresh", async () => {
    const { calls, fetch } = counting(ok);
    await fetchThroughCache(store, fetch, options(), deps());
    clock += 10 * MINUTE;
    expect((await fetchThroughCache(store, fetch, options(), deps())).origin).toBe("backend");
    expect(calls.count).toBe(2);
  });

  it("keeps entries in a 0700 folder as 0600 files named by the key hash", async () => {
    await fetchThroughCache(store, counting(ok).fetch, options(), deps());
    expect(statSync(store.dir).mode & 0o777).toBe(0o700);
    expect(readdirSync(store.dir)).toEqual([`${"k".repeat(64)}.json`]);
    expect(statSync(store.path("k".repeat(64), "json")).mode & 0o777).toBe(0o600);
  });

  it("serves the last good credential when the source is down, within staleIfError", async () => {
    await fetchThroughCache(store, counting(ok).fetch, options(), deps());
    clock += 30 * MINUTE;
    const result = await fetchThroughCache(store, down, options(), deps());
    expect(result).toMatchObject({ origin: "stale", credential: { password: "p1" } });
  });

  it("fails clearly once the last good credential is past staleIfError", async () => {
    await fetchThroughCache(store, counting(ok).fetch, options(), deps());
    clock += 71 * MINUTE;
    await expect(fetchThroughCache(store, down, options(), deps())).rejects.toMatchObject({
      code: "SOURCE_UNREACHABLE",
      message:
        "connection refused; the last good credential (fetched 2026-11-27T12:00:00.000Z) is past the staleIfError limit, so none was served",
    });
  });

  it("does not cover a denial with a stale credential: access was taken away on purpose", async () => {
    await fetchThroughCache(store, counting(ok).fetch, options(), deps());
    clock += 11 * MINUTE;
    const denied = async (): Promise<RegistryCredential> => {
      throw new PullkeyError("SOURCE_DENIED", "permission denied");
    };
    await expect(fetchThroughCache(store, denied, options(), deps())).rejects.toMatchObject({
      code: "SOURCE_DENIED",
    });
  });

  it.each([
    { name: "a corrupt entry", spoil: (file: string) => writeFileSync(file, "{not json") },
    { name: "an entry others can read", spoil: (file: string) => chmodSync(file, 0o644) },
    {
      name: "an entry owned by another user",
      spoil: (file: string) => chownSync(file, 65534, 65534),
    },
  ])("ignores $name and replaces it", async ({ spoil }) => {
    const { calls, fetch } = counting(ok);
    await fetchThroughCache(store, fetch, options(), deps());
    spoil(store.path("k".repeat(64), "json"));
    expect((await fetchThroughCache(store, fetch, options(), deps())).origin).toBe("backend");
    expect(calls.count).toBe(2);
    expect((await fetchThroughCache(store, fetch, options(), deps())).origin).toBe("cache");
  });
});

describe("one fetch for many execs", () => {
  it("lets one of many concurrent misses fetch while the others take its result", async () => {
    const { calls, fetch } = counting(async () => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      return { username: "u", password: "p1" };
    });
    const realTime = deps({
      now: () => new Date(),
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    });
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        fetchThroughCache(
          store,
          fetch,
          options({ waitUntil: new Date(Date.now() + 10_000) }),
          realTime,
        ),
      ),
    );
    expect(calls.count).toBe(1);
    expect(results.every((r) => r.credential.password === "p1")).toBe(true);
  });

  it("breaks the lock of a holder that died and fetches itself", async () => {
    writeFileSync(
      store.path("k".repeat(64), "lock"),
      JSON.stringify({ pid: 999_999, at: new Date(clock).toISOString() }),
    );
    const { calls, fetch } = counting(ok);
    const result = await fetchThroughCache(store, fetch, options(), deps({ isAlive: () => false }));
    expect(result.origin).toBe("backend");
    expect(calls.count).toBe(1);
  });

  it("breaks a lock held longer than any exec may live", async () => {
    writeFileSync(
      store.path("k".repeat(64), "lock"),
      JSON.stringify({ pid: process.pid, at: new Date(clock - 30_000).toISOString() }),
    );
    expect((await fetchThroughCache(store, counting(ok).fetch, options(), deps())).origin).toBe(
      "backend",
    );
  });

  it("stops waiting for a live holder at its deadline and says so", async () => {
    writeFileSync(
      store.path("k".repeat(64), "lock"),
      JSON.stringify({ pid: 4242, at: new Date(clock).toISOString() }),
    );
    await expect(
      fetchThroughCache(store, counting(ok).fetch, options(), deps()),
    ).rejects.toMatchObject({
      code: "DEADLINE_EXCEEDED",
      message:
        "gave up waiting for another pullkey exec (pid 4242) fetching from static /etc/pullkey/token",
    });
  });

  it("takes the holder's failure instead of asking a failing backend again", async () => {
    const lock = store.path("k".repeat(64), "lock");
    writeFileSync(lock, JSON.stringify({ pid: 4242, at: new Date(clock).toISOString() }));
    const { calls, fetch } = counting(ok);
    const holderFails = deps({
      sleep: async (ms) => {
        clock += ms;
        await store.writeFailure("k".repeat(64), {
          at: new Date(clock),
          code: "SOURCE_UNAVAILABLE",
          message: "Vault is sealed",
        });
        rmSync(lock, { force: true });
      },
    });
    // The lock is gone after the first poll, so this exec would fetch; the fresh failure stops it.
    await expect(fetchThroughCache(store, fetch, options(), holderFails)).rejects.toMatchObject({
      code: "SOURCE_UNAVAILABLE",
    });
    expect(calls.count).toBe(0);
  });
});
