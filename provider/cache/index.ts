import type { Config } from "../config/config.js";
import type { ThroughCache } from "../core/answer.js";
import { privateFolder } from "../state/folder.js";
import { fetchThroughCache, freshEntry } from "./cached-fetch.js";
import { cacheKey } from "./key.js";
import { CacheStore } from "./store.js";
import { wakeOnChange } from "./wake.js";

export interface NodeCacheDeps {
  now(): Date;
  random(): number;
  /** Aborts when the exec's one budget (counted from process start) runs out. */
  signal: AbortSignal;
  /**
   * Milliseconds left in that same budget. A waiter's deadline comes from it, not from when the
   * cache was set up: start-up and the config read have already spent part of the budget.
   */
  remainingMs(): number;
  uid: number;
  /** Told at most once per exec why the cache was skipped. */
  warn(message: string): void;
  /** How a waiter sleeps between looks; by default until a file of its key changes (wake.ts). */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** The cache folder under a stateDir, verified (state/folder.ts); created only when `create`. */
export async function cacheFolder(
  stateDir: string,
  uid: number,
  create: boolean,
): Promise<{ store: CacheStore } | { problem: string }> {
  // Entries hold passwords: the folder is kept 0700 like each 0600 entry.
  const verdict = await privateFolder(stateDir, "cache", uid, create, true);
  return verdict.ok ? { store: new CacheStore(verdict.dir, uid) } : { problem: verdict.problem };
}

/**
 * The node-local cache for one exec, under `<stateDir>/cache`. The folder is verified on every
 * path, a hit included. When it cannot be used (read-only or full disk, a folder others may
 * write to, a wrong owner) or anything on the cache path fails, it warns once and fetches
 * directly: a broken cache never fails a pull and never answers from a file it cannot trust.
 */
export function nodeCache(config: Config, deps: NodeCacheDeps): ThroughCache | undefined {
  if (!config.cache.enabled) return undefined;
  let warned = false;
  const warn = (message: string) => {
    if (warned) return;
    warned = true;
    deps.warn(message);
  };
  let forMiss: Promise<CacheStore | undefined> | undefined;
  return async (parts, fetchFromSource) => {
    let sourceCalled = false;
    const fromSource = () => {
      sourceCalled = true;
      return fetchFromSource();
    };
    try {
      const key = cacheKey(parts);
      const existing = await cacheFolder(config.stateDir, deps.uid, false);
      if ("store" in existing) {
        const hit = await freshEntry(existing.store, { key, rule: parts.rule }, deps.now());
        if (hit) return hit;
      }
      forMiss ??= cacheFolder(config.stateDir, deps.uid, true).then((found) => {
        if ("store" in found) return found.store;
        warn(`credential cache skipped for this exec: ${found.problem}`);
        return undefined;
      });
      const store = await forMiss;
      if (!store) return { credential: await fromSource(), origin: "backend" };
      const wake = wakeOnChange(store.dir, key);
      const now = deps.now().getTime();
      const left = deps.remainingMs();
      try {
        return await fetchThroughCache(
          store,
          fromSource,
          {
            key,
            rule: parts.rule,
            source: parts.description,
            registry: parts.registry,
            cacheDurationMs: parts.cacheDurationMs,
            staleIfErrorMs: config.cache.staleIfErrorMs,
            deadline: new Date(now + left),
            // Leave a tenth of what is left to answer from a stale entry or report the failure.
            waitUntil: new Date(now + left * 0.9),
          },
          {
            now: deps.now,
            random: deps.random,
            signal: deps.signal,
            warn,
            sleep: deps.sleep ?? wake.sleep,
          },
        );
      } finally {
        wake.close();
      }
    } catch (err) {
      // The source's own verdict stands; anything else came from the cache and only costs it.
      if (sourceCalled) throw err;
      warn(
        `credential cache skipped for this exec: ${(err as { code?: string } | null)?.code ?? "error"}`,
      );
      return { credential: await fromSource(), origin: "backend" };
    }
  };
}
