/**
 * Until the config is read its execTimeout is unknown; until then the longest one a config may
 * set applies, so a slow start is still cut off well inside the kubelet's one-minute kill.
 */
export const BUDGET_BEFORE_CONFIG_MS = 50_000;

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

  constructor(
    /** When the exec began. */
    readonly startedAt: number,
    limitMs: number,
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.endsAt = startedAt + limitMs;
    this.schedule();
  }

  /** Aborts when the budget runs out. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The budget in ms, still counted from the start: the config's execTimeout once it is read. */
  get limitMs(): number {
    return this.endsAt - this.startedAt;
  }

  /** Sets the budget, counted from the start; a budget already spent aborts at once. */
  setLimit(limitMs: number): void {
    this.endsAt = this.startedAt + limitMs;
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
