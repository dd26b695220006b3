import { chmodSync, chownSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { fetchThroughCache } from "../../../provider/cache/cached-fetch.js";
import { PullkeyError } from "../../../provider/errors.js";
import type { RegistryCredential } from "../../../provider/sources/source.js";
import { AS_ROOT, NEEDS_ROOT } from "../../root.js";
import { counting, deps, down, KEY, MINUTE, ok, options, t, useCacheFolder } from "./harness.js";

useCacheFolder();

describe("the node-local credential cache", () => {
  it("fetches on a miss and answers from the entry until it goes stale, without the source", async () => {
    const { calls, fetch } = counting(ok);
    expect((await fetchThroughCache(t.store, fetch, options(), deps())).origin).toBe("backend");
    t.clock += 9 * MINUTE;
    const second = await fetchThroughCache(t.store, fetch, options(), deps());
    expect(second).toMatchObject({ origin: "cache", credential: { password: "p1" } });
    expect(calls.count).toBe(1);
  });

  it("fetches again once the entry is no longer fresh", async () => {
    const { calls, fetch } = counting(ok);
    await fetchThroughCache(t.store, fetch, options(), deps());
    t.clock += 10 * MINUTE;
    expect((await fetchThroughCache(t.store, fetch, options(), deps())).origin).toBe("backend");
    expect(calls.count).toBe(2);
  });

  it("keeps entries in a 0700 folder as 0600 files named by the key hash", async () => {
    await fetchThroughCache(t.store, counting(ok).fetch, options(), deps());
    expect(statSync(t.store.dir).mode & 0o777).toBe(0o700);
    expect(readdirSync(t.store.dir)).toEqual([`${KEY}.json`]);
    expect(statSync(t.store.path(KEY, "json")).mode & 0o777).toBe(0o600);
  });

  it("serves the last good credential when the source is down, within staleIfError", async () => {
    await fetchThroughCache(t.store, counting(ok).fetch, options(), deps());
    t.clock += 30 * MINUTE;
    const result = await fetchThroughCache(t.store, down, options(), deps());
    expect(result).toMatchObject({ origin: "stale", credential: { password: "p1" } });
  });

  it("fails clearly once the last good credential is past staleIfError", async () => {
    await fetchThroughCache(t.store, counting(ok).fetch, options(), deps());
    t.clock += 71 * MINUTE;
    await expect(fetchThroughCache(t.store, down, options(), deps())).rejects.toMatchObject({
      code: "SOURCE_UNREACHABLE",
      message:
        "connection refused; the last good credential (fetched 2026-11-27T12:00:00.000Z) is past the staleIfError limit, so none was served",
    });
  });

  it("does not cover a denial with a stale credential: access was taken away on purpose", async () => {
    await fetchThroughCache(t.store, counting(ok).fetch, options(), deps());
    t.clock += 11 * MINUTE;
    const denied = async (): Promise<RegistryCredential> => {
      throw new PullkeyError("SOURCE_DENIED", "permission denied");
    };
    await expect(fetchThroughCache(t.store, denied, options(), deps())).rejects.toMatchObject({
      code: "SOURCE_DENIED",
    });
  });

  it.for<{ name: string; spoil: (file: string) => void; root?: boolean }>([
    { name: "a corrupt entry", spoil: (file: string) => writeFileSync(file, "{not json") },
    { name: "an entry others can read", spoil: (file: string) => chmodSync(file, 0o644) },
    {
      name: "an entry owned by another user",
      spoil: (file: string) => chownSync(file, 65534, 65534),
      root: true,
    },
  ])("ignores $name and replaces it", async ({ spoil, root }, { skip }) => {
    if (root && !AS_ROOT) skip(NEEDS_ROOT);
    const { calls, fetch } = counting(ok);
    await fetchThroughCache(t.store, fetch, options(), deps());
    spoil(t.store.path(KEY, "json"));
    expect((await fetchThroughCache(t.store, fetch, options(), deps())).origin).toBe("backend");
    expect(calls.count).toBe(2);
    expect((await fetchThroughCache(t.store, fetch, options(), deps())).origin).toBe("cache");
  });
});
