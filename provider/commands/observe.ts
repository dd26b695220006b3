import type { Config } from "../config/config.js";
import type { Answer, AnswerDeps } from "../core/answer.js";
import { chooseRule } from "../core/choose.js";
import { oneLine, PullkeyError } from "../errors.js";
import { describeFsError } from "../files.js";
import { appendLogLine } from "../logs/file.js";
import { sendToJournald } from "../logs/journald.js";
import { execLogLine } from "../logs/line.js";
import { recordMetrics, timedDeps } from "../metrics/exec.js";
import type { CredentialProviderRequest } from "../protocol/api.js";

/** One exec, observed: the deps to answer with, and what to record once the answer is out. */
export interface Observer {
  /** The core's collaborators, with every source fetch timed for the metrics and the log. */
  deps: AnswerDeps;
  /**
   * Counts the exec in the metrics textfile and writes its log line. Called after the answer
   * is written, under a time cap of the caller's. Never throws: every failure is swallowed, and
   * the ones an operator should fix (a log.file that is not a file) come back as warnings.
   */
  record(answer: Answer | undefined, err: unknown): Promise<string[]>;
}

/**
 * Observes one exec of the plugin: with `metrics`, every source fetch is timed and the exec
 * counted in the textfile; with `log`, one line per exec goes to the log file and/or the
 * journal. Loaded only when the config has either. A missing metric or log line must never cost
 * a pull its credentials, so recording happens after the answer and never fails.
 */
export function observe(
  request: CredentialProviderRequest,
  config: Config,
  deps: AnswerDeps,
  startedAt: number,
): Observer {
  const backendSeconds: number[] = [];
  const rule = chooseRule(config.rules, request.image);
  return {
    deps: timedDeps(deps, backendSeconds),
    record: async (answer, err) => {
      const code =
        err === undefined ? undefined : err instanceof PullkeyError ? err.code : "INTERNAL";
      const at = deps.now();
      const warnings: string[] = [];
      await Promise.all([
        config.metrics &&
          recordMetrics(config, {
            source: rule?.source.type ?? "none",
            backendSeconds,
            at,
            ...(code === undefined ? {} : { failure: code }),
            ...(answer?.origin === undefined ? {} : { origin: answer.origin }),
          }).catch(() => false),
        config.log &&
          writeLog(
            config.log,
            code !== undefined,
            execLogLine({
              at,
              durationMs: Math.round(performance.now() - startedAt),
              image: request.image,
              rule: answer?.rule ?? rule?.name,
              source: answer?.source,
              origin: answer?.origin,
              cacheKeyType: answer?.response.cacheKeyType,
              cacheDuration: answer?.response.cacheDuration,
              fetchMs: backendSeconds.map((s) => Math.round(s * 1000)),
              code,
              // Only our own messages: they name things, never secrets (errors.ts).
              message: err instanceof PullkeyError ? err.message : undefined,
            }),
            warnings,
          ),
      ]);
      return warnings;
    },
  };
}

/** Writes the line to every configured place; each failure is swallowed on its own. */
async function writeLog(
  log: { file?: string; journald?: boolean },
  failed: boolean,
  line: string,
  warnings: string[],
): Promise<void> {
  await Promise.all([
    log.file !== undefined &&
      appendLogLine(log.file, line).catch((err: unknown) => {
        const why =
          (err as { code?: unknown }).code === undefined
            ? String((err as Error).message)
            : describeFsError(err);
        warnings.push(`log.file ${log.file}: ${oneLine(why)}; no log line written`);
      }),
    log.journald && sendToJournald(line, failed).catch(() => undefined),
  ]);
}
