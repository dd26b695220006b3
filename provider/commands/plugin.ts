import { isAbsolute } from "node:path";
import { untilAborted } from "../abort.js";
import { locateConfig, readConfig } from "../config/read.js";
import { type Answer, answerRequest } from "../core/answer.js";
import { chooseRule } from "../core/choose.js";
import {
  afterAbort,
  BUDGET_BEFORE_CONFIG_MS,
  BUDGET_CEILING_MS,
  ExecBudget,
  LAST_CHANCE_MS,
} from "../core/deadline.js";
import { errorLine, PullkeyError, quote } from "../errors.js";
import { formatGoDuration } from "../gocompat/duration.js";
import { EXIT_OK, exitStatusFor, type Io } from "../io.js";
import { decodeRequest, MAX_REQUEST_BYTES } from "../protocol/request.js";
import { encodeResponse } from "../protocol/response.js";
import { liveAnswerDeps } from "./live-deps.js";
import type { Observer } from "./observe.js";

/**
 * How long recording (metrics, log) may run after the answer: what is left of the budget, but at
 * least enough to log a failure at the deadline and at most a second. The budget's ceiling
 * (55 s) plus the grace and this stays inside the kubelet's one-minute kill.
 */
const RECORDING_MS = { min: 250, max: 1_000 };

/**
 * How long the frame waits, after the budget runs out, for the work's own failure (which names
 * the source that was slow) before it gives up with a generic one.
 */
const GRACE_MS = 500;

/**
 * Kubelet mode: one request on stdin, one response on stdout, or on any failure a non-zero exit,
 * nothing on stdout and one line on stderr, which the kubelet copies into its log. Everything
 * until the answer runs under one budget counted from the process's start; metrics and the log
 * are written after the answer and can neither delay it nor change the exit status.
 */
export async function pluginCommand(
  io: Io,
  options: { config?: string | undefined },
): Promise<number> {
  const budget = new ExecBudget(io.startedAt ?? performance.now(), BUDGET_BEFORE_CONFIG_MS);
  let observer: Observer | undefined;
  // What the exec is about, for a failure line the work itself did not write in time.
  const about: { where?: string } = {};
  // Problems that did not fail the exec (an unusable stateDir skips the cache), told on success.
  const warned: string[] = [];
  let answer: Answer | undefined;
  let failure: unknown;
  let status: number;
  try {
    answer = await untilAborted(
      answerWithin(io, options, budget, about, warned, (o) => {
        observer = o;
      }),
      afterAbort(budget.signal, GRACE_MS),
      () => outOfTime(budget, about.where),
    );
    writeResponse(io, encodeResponse(answer.response));
    status = EXIT_OK;
    for (const warning of warned) io.stderr(`pullkey: warning: ${warning}\n`);
  } catch (err) {
    failure = err;
    io.stderr(`${errorLine(err)}\n`);
    status = exitStatusFor(err);
  }
  if (observer) {
    const ms = Math.min(RECORDING_MS.max, Math.max(RECORDING_MS.min, budget.remainingMs()));
    const cap = new ExecBudget(performance.now(), ms);
    const warnings = await untilAborted(
      observer.record(answer, failure),
      cap.signal,
      () => new Error("recording ran out of time"),
    ).catch(() => []);
    cap.close();
    // On failure stderr must hold the one error line; on success the kubelet discards stderr,
    // so a warning there reaches only someone running pullkey by hand.
    if (status === EXIT_OK)
      for (const warning of warnings) io.stderr(`pullkey: warning: ${warning}\n`);
  }
  budget.close();
  return status;
}

/**
 * Writes the response. A kubelet that stopped reading (it gave up on the exec, or was restarted)
 * leaves stdout a broken pipe (EPIPE) or closed (EBADF): a failure of its own, not INTERNAL.
 */
function writeResponse(io: Io, text: string): void {
  try {
    io.stdout(text);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    throw new PullkeyError(
      "OUTPUT_FAILED",
      `cannot write the response to stdout${typeof code === "string" ? ` (${code})` : ""}: nothing is reading it (the kubelet closed it or gave up on the exec)`,
      { cause: err },
    );
  }
}

async function answerWithin(
  io: Io,
  options: { config?: string | undefined },
  budget: ExecBudget,
  about: { where?: string },
  warned: string[],
  observing: (observer: Observer) => void,
): Promise<Answer> {
  if (io.stdinIsTTY) {
    throw new PullkeyError(
      "REQUEST_INVALID",
      "stdin is a terminal: pullkey with no command is the kubelet plugin and reads a CredentialProviderRequest on stdin; try `pullkey get IMAGE` or `pullkey --help`",
    );
  }
  const request = decodeRequest(io.readStdin(MAX_REQUEST_BYTES + 1));
  about.where = `image ${quote(request.image)}`;
  const located = locateConfig(options.config, io.env, io.cwd);
  if (!isAbsolute(located.given)) {
    throw new PullkeyError(
      "USAGE",
      `config path ${located.given} (from ${located.origin}) is relative; the kubelet's working directory is not defined, so give an absolute path`,
    );
  }
  const { config } = await readConfig(located.path, located.origin, io.readFile, { uid: io.uid });
  const rule = chooseRule(config.rules, request.image);
  if (rule) about.where = `${about.where}, rule ${quote(rule.name)}`;
  budget.setLimit(config.execTimeoutMs, {
    lastChanceMs: Math.min(LAST_CHANCE_MS, config.execTimeoutMs),
    ceilingMs: BUDGET_CEILING_MS,
  });
  // On failure stderr must hold the one error line: warnings are printed only after an answer.
  const deps = liveAnswerDeps(io, config, (message) => warned.push(message), budget);
  if (!config.metrics && !config.log) return answerRequest(request, config, deps);
  // Only a config with `metrics` or `log` loads their code.
  const observer = (await import("./observe.js")).observe(request, config, deps, budget.startedAt);
  observing(observer);
  return answerRequest(request, config, observer.deps);
}

function outOfTime(budget: ExecBudget, where: string | undefined): PullkeyError {
  const spent = formatGoDuration(Math.round(performance.now() - budget.startedAt));
  return new PullkeyError(
    "DEADLINE_EXCEEDED",
    `${where === undefined ? "" : `${where}: `}the exec's time budget (execTimeout ${formatGoDuration(budget.limitMs)}, counted from the start of the process) ran out before the answer: ${spent} spent`,
  );
}
