import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import type { Config } from "../config/config.js";
import type { RegistryCredential } from "../sources/source.js";
import { type CachedCredential, fetchThroughCache, freshEntry } from "./cached-fetch.js";
import { type CacheKeyParts, cacheKey } from "./key.js";
import { CacheStore } from "./store.js";

/** Fetches one rule's credential through the node-local cache. */
export type ThroughCache = (
  parts: CacheKeyParts & { description: string; cacheDurationMs: number },
  fetchFromSource: () => Promise<RegistryCredential>,
) => Promise<CachedCredential>;

export interface NodeCacheDeps {
  now(): Date;
  random(): number;
  signal: AbortSignal;
  uid: number;
  warn(message: string): void;
}

/**
 * The node-local cache for one exec, under `<stateDir>/cache`. When the folder cannot be used
 * (read-only disk, wrong owner) it warns once and fetches directly: a broken cache never fails a pull.
 */
export function nodeCache(config: Config, deps: NodeCacheDeps): ThroughCache | undefined {
  if (!config.cache.enabled) return undefined;
  const store = new CacheStore(join(config.stateDir, "cache"), deps.uid);
  let usable: Promise<boolean> | undefined;
  const started = deps.now();
  return async (parts, fetchFromSource) => {
    const key = cacheKey(parts);
    // A hit needs no folder checks: an entry is trusted only if it is ours and private.
    const hit = await freshEntry(store, key, deps.now());
    if (hit) return hit;
    usable ??= store.prepare().then((problem) => {
      if (problem) deps.warn(`credential cache disabled for this exec: ${problem}`);
      return problem === undefined;
    });
    if (!(await usable)) return { credential: await fetchFromSource(), origin: "backend" };
    return fetchThroughCache(
      store,
      fetchFromSource,
      {
        key,
        rule: parts.rule,
        source: parts.description,
        cacheDurationMs: parts.cacheDurationMs,
        staleIfErrorMs: config.cache.staleIfErrorMs,
        maxHoldMs: config.execTimeoutMs + 5_000,
        // Leave a tenth of the budget to answer from a stale entry or report the failure.
        waitUntil: new Date(started.getTime() + config.execTimeoutMs * 0.9),
      },
      {
        now: deps.now,
        random: deps.random,
        signal: deps.signal,
        warn: deps.warn,
        // Resolves early, not rejects, when the exec's deadline passes: the caller checks it.
        sleep: (ms, signal) => delay(ms, undefined, { signal }).catch(() => undefined),
      },
    );
  };
}
