import type { Config } from "../config/config.js";
import { type Answer, type AnswerDeps, answerRequest } from "../core/answer.js";
import { chooseRule } from "../core/choose.js";
import { PullkeyError } from "../errors.js";
import { appendLogLine } from "../logs/file.js";
import { sendToJournald } from "../logs/journald.js";
import { execLogLine } from "../logs/line.js";
import { recordMetrics, timedDeps } from "../metrics/exec.js";
import type { CredentialProviderRequest } from "../protocol/api.js";

/**
 * The plugin's answer, observed: with `metrics`, every source fetch is timed and the exec
 * counted in the textfile; with `log`, one line per exec goes to the log file and/or the journal. Loaded
 * only when the config has either. Recording failures are swallowed: a missing metric or log
 * line must never cost a pull its credentials.
 */
export async function observedAnswer(
  request: CredentialProviderRequest,
  config: Config,
  deps: AnswerDeps,
): Promise<Answer> {
  const started = performance.now();
  const backendSeconds: number[] = [];
  const rule = chooseRule(config.rules, request.image);
  const record = async (answer: Answer | undefined, err: unknown) => {
    const code =
      err === undefined ? undefined : err instanceof PullkeyError ? err.code : "INTERNAL";
    const at = deps.now();
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
            durationMs: Math.round(performance.now() - started),
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
        ),
    ]);
  };
  let answer: Answer;
  try {
    answer = await answerRequest(request, config, timedDeps(deps, backendSeconds));
  } catch (err) {
    await record(undefined, err);
    throw err;
  }
  await record(answer, undefined);
  return answer;
}

/** Writes the line to every configured place; each failure is swallowed on its own. */
async function writeLog(
  log: { file?: string; journald?: boolean },
  failed: boolean,
  line: string,
): Promise<void> {
  await Promise.all([
    log.file !== undefined && appendLogLine(log.file, line).catch(() => undefined),
    log.journald && sendToJournald(line, failed).catch(() => undefined),
  ]);
}
