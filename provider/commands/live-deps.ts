import { setTimeout as delay } from "node:timers/promises";
import { nodeCache } from "../cache/index.js";
import type { Config } from "../config/config.js";
import type { AnswerDeps } from "../core/answer.js";
import type { Io } from "../io.js";
import { createSource } from "../sources/index.js";

/** The exec's one time budget as the core sees it (core/deadline.ts's ExecBudget is one). */
export interface Budget {
  signal: AbortSignal;
  remainingMs(): number;
}

/** A budget of execTimeout from now, for human commands that have no exec budget. */
function budgetFromNow(limitMs: number): Budget {
  const endsAt = performance.now() + limitMs;
  return {
    signal: AbortSignal.timeout(limitMs),
    remainingMs: () => Math.max(0, endsAt - performance.now()),
  };
}

/**
 * The real collaborators of the core for one exec: sources reading through the node-local cache,
 * the exec's budget (its AbortSignal and the time left), the clock. `warn` receives problems
 * that do not fail the exec. Without a `budget` (human commands), it is execTimeout from now;
 * `noCache` reads the source whatever its type (`pullkey get --no-cache`).
 */
export function liveAnswerDeps(
  io: Io,
  config: Config,
  warn: (message: string) => void,
  budget: Budget = budgetFromNow(config.execTimeoutMs),
  options: { noCache?: boolean | undefined } = {},
): AnswerDeps {
  const { signal } = budget;
  return {
    createSource: (spec) =>
      createSource(spec, {
        baseDir: config.baseDir,
        readFile: io.readFile,
        env: io.env,
        now: io.now,
        stateDir: config.stateDir,
      }),
    now: io.now,
    signal,
    sleep: io.sleep ?? ((ms) => delay(ms, undefined, { signal }).catch(() => undefined)),
    throughCache: options.noCache
      ? undefined
      : nodeCache(config, {
          now: io.now,
          random: Math.random,
          signal,
          remainingMs: () => budget.remainingMs(),
          uid: io.uid,
          warn,
        }),
  };
}
