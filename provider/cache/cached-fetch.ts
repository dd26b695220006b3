import { PullkeyError } from "../errors.js";
import type { RegistryCredential } from "../sources/source.js";
import { breakLock, isAbandoned, processIsAlive, readLock, tryLock } from "./lock.js";
import { canServeStale, freshUntil, isFresh, isTransient } from "./policy.js";
import type { CacheEntry, CacheStore } from "./store.js";

/** Where an answer came from. */
export type Origin = "backend" | "cache" | "stale";

export interface CachedCredential {
  credential: RegistryCredential;
  origin: Origin;
  /** Until when the answer is fresh; the kubelet's cacheDuration never reaches past it. */
  freshUntil?: Date;
}

export interface CachedFetchDeps {
  now(): Date;
  random(): number;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  signal: AbortSignal;
  /** Reports a problem that does not fail the exec (an unusable cache folder). */
  warn(message: string): void;
  isAlive?: (pid: number) => boolean;
}

export interface CachedFetchOptions {
  key: string;
  rule: string;
  source: string;
  cacheDurationMs: number;
  staleIfErrorMs: number;
  /** How long a lock may be held before waiters break it: one whole exec. */
  maxHoldMs: number;
  /** When waiting for another exec's fetch gives up. */
  waitUntil: Date;
}

/** How often a waiting exec looks for the holder's result; small next to a backend round trip. */
const POLL_MS = 20;

/** A failure newer than this, left by the exec that held the lock, is adopted by its waiters. */
const FAILURE_SHARE_MS = 5_000;

/**
 * Fetches a credential through the node-local cache, so that:
 * - a fresh entry answers without touching the source;
 * - of many execs missing at once (a node starting 50 pods), one fetches and the others wait for
 *   its result, and a holder that died never blocks them past `maxHoldMs`;
 * - when the source fails transiently, the last good credential is served (origin "stale") for
 *   up to `staleIfErrorMs` past its freshness.
 */
export async function fetchThroughCache(
  store: CacheStore,
  fetchFromSource: () => Promise<RegistryCredential>,
  options: CachedFetchOptions,
  deps: CachedFetchDeps,
): Promise<CachedCredential> {
  const isAlive = deps.isAlive ?? processIsAlive;
  const started = deps.now();
  let last: CacheEntry | undefined;

  const lockPath = store.path(options.key, "lock");
  for (;;) {
    // What an exec that held the lock while we waited left behind: its entry or its failure.
    last = (await store.readEntry(options.key)) ?? last;
    if (last && isFresh(last, deps.now())) return fromEntry(last, "cache");
    const failure = await store.readFailure(options.key);
    if (
      failure &&
      failure.at >= started &&
      deps.now().getTime() - failure.at.getTime() < FAILURE_SHARE_MS
    ) {
      return staleOr(new PullkeyError(failure.code, failure.message), last, options, deps);
    }

    const lock = await tryLock(lockPath, deps.now());
    if (lock) {
      try {
        // The exec we waited for may have finished between our read and our lock.
        last = (await store.readEntry(options.key)) ?? last;
        if (last && isFresh(last, deps.now())) return fromEntry(last, "cache");
        return await fetchAndStore(store, fetchFromSource, options, deps, last);
      } finally {
        await lock.release();
      }
    }

    const holder = await readLock(lockPath);
    if (holder && isAbandoned(holder, deps.now(), options.maxHoldMs, isAlive)) {
      await breakLock(lockPath);
      continue;
    }
    if (deps.now() >= options.waitUntil || deps.signal.aborted) {
      const err = new PullkeyError(
        "DEADLINE_EXCEEDED",
        `gave up waiting for another pullkey exec (pid ${holder?.pid ?? "?"}) fetching from ${options.source}`,
      );
      return staleOr(err, last, options, deps);
    }
    await deps.sleep(POLL_MS + Math.floor(deps.random() * POLL_MS), deps.signal);
  }
}

async function fetchAndStore(
  store: CacheStore,
  fetchFromSource: () => Promise<RegistryCredential>,
  options: CachedFetchOptions,
  deps: CachedFetchDeps,
  previous: CacheEntry | undefined,
): Promise<CachedCredential> {
  let credential: RegistryCredential;
  try {
    credential = await fetchFromSource();
  } catch (err) {
    if (err instanceof PullkeyError) {
      await store
        .writeFailure(options.key, { at: deps.now(), code: err.code, message: err.message })
        .catch(() => undefined);
    }
    return staleOr(err, previous, options, deps);
  }
  const fetchedAt = deps.now();
  const entry: CacheEntry = {
    rule: options.rule,
    source: options.source,
    fetchedAt,
    freshUntil: freshUntil(fetchedAt, options.cacheDurationMs, deps.random()),
    expiresAt: credential.expiresAt,
    credential,
  };
  try {
    await store.writeEntry(options.key, entry);
  } catch (err) {
    deps.warn(
      `could not write the credential cache in ${store.dir}: ${(err as { code?: string }).code ?? "error"}`,
    );
  }
  return fromEntry(entry, "backend");
}

/** Serves the last good credential for a transient failure within the staleness limit, else rethrows. */
function staleOr(
  err: unknown,
  last: CacheEntry | undefined,
  options: CachedFetchOptions,
  deps: CachedFetchDeps,
): CachedCredential {
  if (!(err instanceof PullkeyError) || !isTransient(err.code)) throw err;
  if (last && canServeStale(last, deps.now(), options.staleIfErrorMs)) {
    const credential: RegistryCredential = { ...last.credential };
    if (last.expiresAt) credential.expiresAt = last.expiresAt;
    return { credential, origin: "stale" };
  }
  if (last) {
    throw new PullkeyError(
      err.code,
      `${err.message}; the last good credential (fetched ${last.fetchedAt.toISOString()}) is past the staleIfError limit, so none was served`,
      { cause: err.cause },
    );
  }
  throw err;
}

/** The fresh entry for a key, if there is one: the whole cost of a cache hit. */
export async function freshEntry(
  store: CacheStore,
  key: string,
  now: Date,
): Promise<CachedCredential | undefined> {
  const entry = await store.readEntry(key);
  return entry && isFresh(entry, now) ? fromEntry(entry, "cache") : undefined;
}

function fromEntry(entry: CacheEntry, origin: Origin): CachedCredential {
  const credential: RegistryCredential = { ...entry.credential };
  if (entry.expiresAt) credential.expiresAt = entry.expiresAt;
  return { credential, origin, freshUntil: entry.freshUntil };
}
