import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach } from "vitest";
import type { CachedFetchDeps, fetchThroughCache } from "../../../provider/cache/cached-fetch.js";
import { cacheFolder } from "../../../provider/cache/index.js";
import type { CacheStore } from "../../../provider/cache/store.js";
import { PullkeyError } from "../../../provider/errors.js";
import type { RegistryCredential } from "../../../provider/sources/source.js";

// The file system is real (a temp folder per test); only time is simulated, so sleeping advances
// the clock. `t` holds the per-test state: the store and the clock.

export const T0 = new Date("2026-11-27T12:00:00Z").getTime();
export const MINUTE = 60_000;
export const UID = process.getuid?.() ?? 0;
export const KEY = "k".repeat(64);
export const t = { dir: "", store: undefined as unknown as CacheStore, clock: T0 };

/** Sets up a fresh cache folder before each test of the file that calls it. */
export function useCacheFolder(): void {
  beforeEach(async () => {
    t.clock = T0;
    t.dir = mkdtempSync(join(tmpdir(), "pullkey-cache-"));
    const found = await cacheFolder(join(t.dir, "state"), UID, true);
    if (!("store" in found)) throw new Error(found.problem);
    t.store = found.store;
  });
  afterEach(() => rmSync(t.dir, { recursive: true, force: true }));
}

/** A lock file as another exec writes it (state/lock.ts), complete and private. */
export function plantLock(owner: { pid: number; until: number }, body?: string): string {
  const path = t.store.path(KEY, "lock");
  writeFileSync(path, body ?? JSON.stringify({ ...owner, uid: UID, nonce: "n0" }), { mode: 0o600 });
  return path;
}

export const options = (overrides: Partial<Parameters<typeof fetchThroughCache>[2]> = {}) => ({
  key: KEY,
  rule: "hub",
  source: "awsSecretsManager pullkey/hub",
  registry: "docker.io",
  cacheDurationMs: 10 * MINUTE,
  staleIfErrorMs: 60 * MINUTE,
  deadline: new Date(t.clock + 20_000),
  waitUntil: new Date(t.clock + 18_000),
  ...overrides,
});

export const deps = (overrides: Partial<CachedFetchDeps> = {}): CachedFetchDeps => ({
  now: () => new Date(t.clock),
  random: () => 0,
  sleep: async (ms) => {
    t.clock += ms;
    await new Promise((resolve) => setImmediate(resolve));
  },
  signal: new AbortController().signal,
  warn: () => undefined,
  isAlive: () => true,
  ...overrides,
});

/** A source that counts its fetches. */
export function counting(result: () => Promise<RegistryCredential>) {
  const calls = { count: 0 };
  const fetch = async () => {
    calls.count++;
    return result();
  };
  return { calls, fetch };
}

export const ok = async () => ({ username: "u", password: "p1" });
export const down = async (): Promise<RegistryCredential> => {
  throw new PullkeyError("SOURCE_UNREACHABLE", "connection refused");
};
