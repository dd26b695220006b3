import type { Origin } from "../core/answer.js";
import { isTransient, PullkeyError } from "../errors.js";
import type { RegistryCredential } from "../sources/source.js";
import type { LockAttempt } from "../state/lock.js";
import { canServeStale, freshUntil, isFresh } from "./policy.js";
import type { CacheEntry, CacheStore, EntryIdentity } from "./store.js";

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
  /** Reports a problem that does not fail the exec (an unusable lock or a failed write). */
  warn(message: string): void;
  isAlive?: (pid: number) => boolean;
}

export interface CachedFetchOptions {
  key: string;
  rule: string;
  source: string;
  registry: string;
  cacheDurationMs: number;
  staleIfErrorMs: number;
  /** This exec's own deadline: written into its lock, so waiters know when it is abandoned. */
  deadline: Date;
  /** When waiting for another exec's fetch gives up. */
  waitUntil: Date;
}

/**
 * How a waiting exec looks for the holder's result: soon at first (a backend round trip is tens
 * of milliseconds), then less and less often, so 200 waiters on a 2-core node leave the CPU to
 * the one exec that is fetching. The sleep ends early when the key's files change (wake.ts);
 * the polls are for what no file event tells: a holder that died.
 */
const FIRST_POLL_MS = 25;
const MAX_POLL_MS = 1_000;

/** A failure newer than this, left by the exec that held the lock, is adopted by its waiters. */
const FAILURE_SHARE_MS = 5_000;

/** A holder's lock outlives its deadline by this much before waiters may break it (exit, clock skew). */
const HOLD_MARGIN_MS = 2_000;

/**
 * Fetches a credential through the node-local cache, so that:
 * - a fresh entry answers without touching the source;
 * - of many execs missing at once (a node starting 50 pods), one fetches and the others wait for
 *   its result; a holder that died or passed its deadline is replaced by exactly one waiter;
 * - a waiter adopts the holder's verdict from the backend, but not its timeout: a holder that ran
 *   out of its own budget says nothing about the backend, so the waiter fetches on its own clock;
 * - when the source fails transiently, the last good credential is served (origin "stale") for
 *   up to `staleIfErrorMs` past its freshness;
 * - a lock that cannot be taken at all (read-only or full disk) means fetching without it.
 */
export async function fetchThroughCache(
  store: CacheStore,
  fetchFromSource: () => Promise<RegistryCredential>,
  options: CachedFetchOptions,
  deps: CachedFetchDeps,
): Promise<CachedCredential> {
  const started = deps.now();
  const id = { key: options.key, rule: options.rule };
  let last: CacheEntry | undefined;
  let pause = FIRST_POLL_MS;
  for (;;) {
    // What an exec that held the lock while we waited left behind: its entry or its failure.
    last = (await store.readEntry(id)) ?? last;
    if (last && isFresh(last, deps.now())) return fromEntry(last, "cache");
    const failure = await store.readFailure(options.key);
    if (
      failure &&
      failure.code !== "DEADLINE_EXCEEDED" &&
      failure.at >= started &&
      deps.now().getTime() - failure.at.getTime() < FAILURE_SHARE_MS
    ) {
      return staleOr(new PullkeyError(failure.code, failure.message), last, options, deps);
    }

    let attempt: LockAttempt;
    try {
      attempt = await store.lock(options.key, {
        until: options.deadline.getTime() + HOLD_MARGIN_MS,
        now: () => deps.now().getTime(),
        ...(deps.isAlive ? { isAlive: deps.isAlive } : {}),
      });
    } catch (err) {
      deps.warn(
        `credential cache lock in ${store.dir} unusable (${errorCode(err)}): fetching without it`,
      );
      return fetchAndStore(store, fetchFromSource, options, deps, last);
    }
    if ("held" in attempt) {
      try {
        // The exec we waited for may have finished between our read and our lock.
        last = (await store.readEntry(id)) ?? last;
        if (last && isFresh(last, deps.now())) return fromEntry(last, "cache");
        return await fetchAndStore(store, fetchFromSource, options, deps, last);
      } finally {
        await attempt.held.release();
      }
    }

    if (deps.now() >= options.waitUntil || deps.signal.aborted) {
      const err = new PullkeyError(
        "DEADLINE_EXCEEDED",
        `gave up waiting for another pullkey exec (pid ${attempt.busy?.pid ?? "?"}) fetching from ${options.source}`,
      );
      return staleOr(err, last, options, deps);
    }
    await deps.sleep(pause + Math.floor(deps.random() * pause), deps.signal);
    pause = Math.min(MAX_POLL_MS, Math.ceil(pause * 1.5));
  }
}

function errorCode(err: unknown): string {
  return (err as { code?: string } | null)?.code ?? "error";
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
    key: options.key,
    rule: options.rule,
    registry: options.registry,
    source: options.source,
    fetchedAt,
    freshUntil: freshUntil(fetchedAt, options.cacheDurationMs, deps.random()),
    expiresAt: credential.expiresAt,
    credential,
  };
  try {
    await store.writeEntry(entry);
  } catch (err) {
    deps.warn(`could not write the credential cache in ${store.dir}: ${errorCode(err)}`);
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
  id: EntryIdentity,
  now: Date,
): Promise<CachedCredential | undefined> {
  const entry = await store.readEntry(id);
  return entry && isFresh(entry, now) ? fromEntry(entry, "cache") : undefined;
}

function fromEntry(entry: CacheEntry, origin: Origin): CachedCredential {
  const credential: RegistryCredential = { ...entry.credential };
  if (entry.expiresAt) credential.expiresAt = entry.expiresAt;
  return { credential, origin, freshUntil: entry.freshUntil };
}
