import { setTimeout as delay } from "node:timers/promises";
import { nodeCache } from "../cache/index.js";
import type { Config } from "../config/config.js";
import type { AnswerDeps } from "../core/answer.js";
import type { Io } from "../io.js";
import { createSource } from "../sources/index.js";

/**
 * The real collaborators of the core for one exec: sources reading through the node-local cache,
 * the exec's deadline as an AbortSignal, the clock. `warn` receives problems that do not fail
 * the exec. Without a `signal` (human commands), the deadline is execTimeout from now;
 * `noCache` reads the source whatever its type (`pullkey get --no-cache`).
 */
export function liveAnswerDeps(
  io: Io,
  config: Config,
  warn: (message: string) => void,
  signal: AbortSignal = AbortSignal.timeout(config.execTimeoutMs),
  options: { noCache?: boolean | undefined } = {},
): AnswerDeps {
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
    sleep: (ms) => delay(ms, undefined, { signal }).catch(() => undefined),
    throughCache: options.noCache
      ? undefined
      : nodeCache(config, {
          now: io.now,
          random: Math.random,
          signal,
          uid: io.uid,
          warn,
        }),
  };
}
