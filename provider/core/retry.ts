import { isTransient, PullkeyError } from "../errors.js";

/**
 * Backoff before the second and third attempt. Only transient failures (unreachable, unavailable:
 * sealed, throttled, 5xx) are retried; a denial or a missing secret will not change in a second.
 */
export const RETRY_DELAYS_MS = [250, 1_000] as const;

/** Runs `attempt`, retrying transient PullkeyErrors while the exec's deadline allows. */
export async function withRetries<T>(
  attempt: () => Promise<T>,
  signal: AbortSignal,
  sleep: (ms: number) => Promise<void>,
  delays: readonly number[] = RETRY_DELAYS_MS,
): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await attempt();
    } catch (err) {
      const delay = delays[i];
      const retryable =
        err instanceof PullkeyError && isTransient(err.code) && err.code !== "DEADLINE_EXCEEDED";
      if (!retryable || delay === undefined || signal.aborted) throw err;
      await sleep(delay);
      if (signal.aborted) throw err;
    }
  }
}
