/**
 * Until the config is read its execTimeout is unknown; until then the longest one a config may
 * set applies, so a slow start is still cut off well inside the kubelet's one-minute kill.
 */
export const BUDGET_BEFORE_CONFIG_MS = 50_000;

/**
 * The least time left for the answer once the config is read (or the whole execTimeout, if
 * shorter). Under load, start-up alone can spend a budget (a hundred execs starting at once on
 * two busy cores took 25 s to read their config); such an exec still gets this long to answer
 * from the cache or with a quick fetch, rather than failing a pull that a healthy backend would
 * serve within the kubelet's minute.
 */
export const LAST_CHANCE_MS = 5_000;

/**
 * No budget, last chance included, runs past this from the start: with the recording after
 * the answer (at most 1 s), the exec ends inside the kubelet's 60 s (plugin.go).
 */
export const BUDGET_CEILING_MS = 55_000;

/**
 * The exec's one time budget, counted from when the process started (the kubelet's clock starts
 * at exec, not when pullkey has loaded and read its config). Times are on the performance.now()
 * clock. The timer is not unref'd: while the budget is open the process cannot end silently
 * with nothing written; close() releases it.
 */
export class ExecBudget {
  private readonly controller = new AbortController();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private endsAt: number;
  private limit: number;

  constructor(
    /** When the exec began. */
    readonly startedAt: number,
    limitMs: number,
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.limit = limitMs;
    this.endsAt = startedAt + limitMs;
    this.schedule();
  }

  /** Aborts when the budget runs out. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The budget set, in ms from the start (the config's execTimeout once it is read). */
  get limitMs(): number {
    return this.limit;
  }

  /**
   * Sets the budget, counted from the start. `lastChanceMs` leaves at least that long from now
   * (a budget already spent by a slow start grants a last chance instead of aborting at once),
   * but never past `ceilingMs` from the start.
   */
  setLimit(limitMs: number, extend: { lastChanceMs: number; ceilingMs: number }): void {
    this.limit = limitMs;
    const lastChance = Math.min(
      this.clock() + extend.lastChanceMs,
      this.startedAt + extend.ceilingMs,
    );
    this.endsAt = Math.max(this.startedAt + limitMs, lastChance);
    this.schedule();
  }

  /** Milliseconds left, 0 once spent. */
  remainingMs(): number {
    return Math.max(0, this.endsAt - this.clock());
  }

  /** Stops the timer; the signal stays as it is. */
  close(): void {
    clearTimeout(this.timer);
  }

  private schedule(): void {
    clearTimeout(this.timer);
    if (this.controller.signal.aborted) return;
    const left = this.remainingMs();
    if (left <= 0) {
      this.controller.abort(new Error("the exec's time budget ran out"));
      return;
    }
    this.timer = setTimeout(() => this.schedule(), left);
  }
}

/**
 * A signal that aborts `ms` after `signal` does. Its timer is not unref'd, so a process waiting
 * on it cannot end silently in between.
 */
export function afterAbort(signal: AbortSignal, ms: number): AbortSignal {
  const later = new AbortController();
  const fire = () => setTimeout(() => later.abort(signal.reason), ms);
  if (signal.aborted) fire();
  else signal.addEventListener("abort", fire, { once: true });
  return later.signal;
}
