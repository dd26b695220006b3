// A shared primitive: the core, the plugin frame and the network sources all race work against
// the exec's deadline, so it sits below all of them (not in core/, which sources must not import).

/** Settles with `work`, or rejects with `timeout()` as soon as the signal aborts. */
export function untilAborted<T>(
  work: Promise<T>,
  signal: AbortSignal,
  timeout: () => Error,
): Promise<T> {
  if (signal.aborted) {
    // The work's own failure no longer matters; keep it from surfacing as unhandled.
    work.catch(() => undefined);
    return Promise.reject(timeout());
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(timeout());
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(err);
      },
    );
  });
}
