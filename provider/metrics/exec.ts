import type { Config } from "../config/config.js";
import type { AnswerDeps } from "../core/answer.js";
import type { ExecEvent } from "./state.js";
import { metricsFiles, recordExec } from "./store.js";

/** The core's collaborators with every source fetch timed into `seconds` (one entry per attempt). */
export function timedDeps(deps: AnswerDeps, seconds: number[]): AnswerDeps {
  return {
    ...deps,
    createSource: async (spec) => {
      const inner = await deps.createSource(spec);
      return {
        description: inner.description,
        fetch: async (context) => {
          const started = performance.now();
          try {
            return await inner.fetch(context);
          } finally {
            seconds.push((performance.now() - started) / 1000);
          }
        },
      };
    },
  };
}

/** Counts one exec into the configured textfile; false when it could not be recorded. */
export async function recordMetrics(config: Config, event: ExecEvent): Promise<boolean> {
  const textfile = config.metrics?.textfile;
  if (textfile === undefined) return false;
  return recordExec(metricsFiles(config.stateDir, textfile), event, process.getuid?.() ?? 0);
}
