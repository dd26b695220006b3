import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { nodeCache } from "../../../provider/cache/index.js";
import { cacheKey } from "../../../provider/cache/key.js";
import type { Config } from "../../../provider/config/config.js";
import type { CacheRequest } from "../../../provider/core/answer.js";
import { counting, ok, t, UID, useCacheFolder } from "./harness.js";

useCacheFolder();

const EXEC_TIMEOUT_MS = 20_000;

const config = (): Config => ({
  file: join(t.dir, "config.yaml"),
  baseDir: t.dir,
  defaultCacheDurationMs: 600_000,
  unmatched: "error",
  stateDir: join(t.dir, "state"),
  cache: { enabled: true, staleIfErrorMs: 86_400_000, staleCacheDurationMs: 60_000 },
  execTimeoutMs: EXEC_TIMEOUT_MS,
  rules: [],
});

const request: CacheRequest = {
  rule: "hub",
  source: { type: "awsSecretsManager", secretId: "pullkey/hub" } as CacheRequest["source"],
  baseDir: "/etc/pullkey",
  registry: "docker.io",
  description: "awsSecretsManager pullkey/hub",
  cacheDurationMs: 600_000,
};

describe("a waiter's deadline is the exec's one budget", () => {
  it("stops waiting within the process budget when it starts late in it, not execTimeout after the cache was set up", async () => {
    // Start-up and the config read spent 17 of the 20 s: 3 s are left when the cache is reached.
    const budgetEndsAt = t.clock + 3_000;
    const cache = nodeCache(config(), {
      now: () => new Date(t.clock),
      random: () => 0,
      signal: new AbortController().signal,
      remainingMs: () => Math.max(0, budgetEndsAt - t.clock),
      uid: UID,
      warn: () => undefined,
      sleep: async (ms) => {
        t.clock += ms;
        await new Promise((resolve) => setImmediate(resolve));
      },
    });
    if (!cache) throw new Error("cache is enabled");
    // Another live exec holds the key's lock for the whole of a long deadline.
    const lock = t.store.path(cacheKey(request), "lock");
    const body = { pid: process.pid, until: t.clock + 60_000, uid: UID, nonce: "n0" };
    writeFileSync(lock, JSON.stringify(body), { mode: 0o600 });

    // Having given up on the holder, the waiter fetches itself (never worse than no cache).
    let fetchedAt = Number.POSITIVE_INFINITY;
    const { calls, fetch } = counting(async () => {
      fetchedAt = t.clock;
      return ok();
    });
    expect((await cache(request, fetch)).origin).toBe("backend");
    expect(calls.count).toBe(1);
    expect(fetchedAt).toBeLessThanOrEqual(budgetEndsAt);
  });
});
