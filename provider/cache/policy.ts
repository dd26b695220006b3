/** A cached credential as the policy sees it. */
export interface EntryTimes {
  fetchedAt: Date;
  /** Until when the entry answers without asking the source. */
  freshUntil: Date;
  /** When the credential itself stops working, if the source said. */
  expiresAt?: Date | undefined;
}

/**
 * Spread refreshes over the last tenth of the cache duration so a fleet that started together
 * does not hit the backend together: each entry's freshness ends at a random point in it.
 */
export const REFRESH_JITTER = 0.1;

/** When a credential fetched now stops being fresh. `random` is in [0, 1). */
export function freshUntil(fetchedAt: Date, cacheDurationMs: number, random: number): Date {
  const jitter = Math.floor(cacheDurationMs * REFRESH_JITTER * random);
  return new Date(fetchedAt.getTime() + cacheDurationMs - jitter);
}

/** Fresh entries answer without the source. An expired credential is never fresh. */
export function isFresh(entry: EntryTimes, now: Date): boolean {
  if (entry.expiresAt && now >= entry.expiresAt) return false;
  return now < entry.freshUntil;
}

/**
 * Whether the last good credential may stand in while the source fails: within `staleIfErrorMs`
 * after its freshness ended, and never past the credential's own expiry.
 */
export function canServeStale(entry: EntryTimes, now: Date, staleIfErrorMs: number): boolean {
  if (staleIfErrorMs <= 0) return false;
  if (entry.expiresAt && now >= entry.expiresAt) return false;
  return now.getTime() < entry.freshUntil.getTime() + staleIfErrorMs;
}
