import { chownSync, renameSync, rmSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { fetchThroughCache } from "../../../provider/cache/cached-fetch.js";
import { AS_ROOT, NEEDS_ROOT } from "../../root.js";
import { counting, deps, KEY, ok, options, plantLock, t, useCacheFolder } from "./harness.js";

useCacheFolder();

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
          t.store,
          fetch,
          options({
            deadline: new Date(Date.now() + 20_000),
            waitUntil: new Date(Date.now() + 10_000),
          }),
          realTime,
        ),
      ),
    );
    expect(calls.count).toBe(1);
    expect(results.every((r) => r.credential.password === "p1")).toBe(true);
  });

  it("breaks the lock of a holder that died and fetches itself", async () => {
    plantLock({ pid: 999_999, until: t.clock + 20_000 });
    const { calls, fetch } = counting(ok);
    const result = await fetchThroughCache(
      t.store,
      fetch,
      options(),
      deps({ isAlive: () => false }),
    );
    expect(result.origin).toBe("backend");
    expect(calls.count).toBe(1);
  });

  it("breaks a lock held past the deadline its holder wrote in it", async () => {
    plantLock({ pid: process.pid, until: t.clock - 1 });
    expect((await fetchThroughCache(t.store, counting(ok).fetch, options(), deps())).origin).toBe(
      "backend",
    );
  });

  it("stops waiting for a live holder at its deadline and says so", async () => {
    plantLock({ pid: 4242, until: t.clock + 60_000 });
    await expect(
      fetchThroughCache(t.store, counting(ok).fetch, options(), deps()),
    ).rejects.toMatchObject({
      code: "DEADLINE_EXCEEDED",
      message:
        "gave up waiting for another pullkey exec (pid 4242) fetching from awsSecretsManager pullkey/hub",
    });
  });

  it("takes the holder's failure instead of asking a failing backend again", async () => {
    const lock = plantLock({ pid: 4242, until: t.clock + 60_000 });
    const { calls, fetch } = counting(ok);
    const holderFails = deps({
      sleep: async (ms) => {
        t.clock += ms;
        await t.store.writeFailure(KEY, {
          at: new Date(t.clock),
          code: "SOURCE_UNAVAILABLE",
          message: "Vault is sealed",
        });
        rmSync(lock, { force: true });
      },
    });
    // The lock is gone after the first poll, so this exec would fetch; the fresh failure stops it.
    await expect(fetchThroughCache(t.store, fetch, options(), holderFails)).rejects.toMatchObject({
      code: "SOURCE_UNAVAILABLE",
    });
    expect(calls.count).toBe(0);
  });

  it("fetches on its own t.clock when the holder ran out of its budget", async () => {
    const lock = plantLock({ pid: 4242, until: t.clock + 60_000 });
    const { calls, fetch } = counting(ok);
    const holderTimesOut = deps({
      sleep: async (ms) => {
        t.clock += ms;
        await t.store.writeFailure(KEY, {
          at: new Date(t.clock),
          code: "DEADLINE_EXCEEDED",
          message: "source did not answer in time",
        });
        rmSync(lock, { force: true });
      },
    });
    const result = await fetchThroughCache(t.store, fetch, options(), holderTimesOut);
    expect(result.origin).toBe("backend");
    expect(calls.count).toBe(1);
  });

  it("lets exactly one of 20 waiters replace a holder that died", async () => {
    plantLock({ pid: 999_999, until: Date.now() + 60_000 });
    const { calls, fetch } = counting(async () => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      return { username: "u", password: "p1" };
    });
    const realTime = deps({
      now: () => new Date(),
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      isAlive: (pid) => pid !== 999_999,
    });
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        fetchThroughCache(
          t.store,
          fetch,
          options({
            deadline: new Date(Date.now() + 20_000),
            waitUntil: new Date(Date.now() + 10_000),
          }),
          realTime,
        ),
      ),
    );
    expect(calls.count).toBe(1);
    expect(results.every((r) => r.credential.password === "p1")).toBe(true);
  });

  it.each([
    { name: "an empty lock file", body: "" },
    { name: "a lock file of garbage", body: '{"pid":' },
    {
      name: "a lock naming another uid",
      body: JSON.stringify({ pid: 1, uid: 65534, until: 4e12, nonce: "x" }),
    },
  ])("treats $name as absent: fetches at once, never waits on it", async ({ body }) => {
    plantLock({ pid: 1, until: 0 }, body);
    const { calls, fetch } = counting(ok);
    const waited: number[] = [];
    const result = await fetchThroughCache(
      t.store,
      fetch,
      options(),
      deps({ sleep: async (ms) => void waited.push(ms) }),
    );
    expect(result.origin).toBe("backend");
    expect(calls.count).toBe(1);
    expect(waited).toEqual([]);
  });

  it("treats a lock file owned by another uid as absent", async ({ skip }) => {
    if (!AS_ROOT) skip(NEEDS_ROOT);
    const lock = plantLock({ pid: process.pid, until: t.clock + 60_000 });
    chownSync(lock, 65534, 65534);
    const { calls, fetch } = counting(ok);
    expect((await fetchThroughCache(t.store, fetch, options(), deps())).origin).toBe("backend");
    expect(calls.count).toBe(1);
  });
});

describe("entries bound to their key", () => {
  it("never answers one key with an entry renamed from another key's name", async () => {
    const other = "b".repeat(64);
    await fetchThroughCache(
      t.store,
      async () => ({ username: "b", password: "other-rule" }),
      options({ key: other, rule: "team-b" }),
      deps(),
    );
    renameSync(t.store.path(other, "json"), t.store.path(KEY, "json"));
    const { calls, fetch } = counting(ok);
    const result = await fetchThroughCache(t.store, fetch, options(), deps());
    expect(result).toMatchObject({ origin: "backend", credential: { password: "p1" } });
    expect(calls.count).toBe(1);
  });
});
