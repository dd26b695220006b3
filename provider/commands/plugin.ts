import { isAbsolute } from "node:path";
import { locateConfig, readConfig } from "../config/read.js";
import { answerRequest } from "../core/answer.js";
import { errorLine, PullkeyError } from "../errors.js";
import { EXIT_OK, exitStatusFor, type Io } from "../io.js";
import { decodeRequest, MAX_REQUEST_BYTES } from "../protocol/request.js";
import { encodeResponse } from "../protocol/response.js";
import { liveAnswerDeps } from "./live-deps.js";

/**
 * Kubelet mode: one request on stdin, one response on stdout, or on any failure a non-zero exit,
 * nothing on stdout and one line on stderr, which the kubelet copies into its log.
 */
export async function pluginCommand(
  io: Io,
  options: { config?: string | undefined },
): Promise<number> {
  try {
    if (io.stdinIsTTY) {
      throw new PullkeyError(
        "REQUEST_INVALID",
        "stdin is a terminal: pullkey with no command is the kubelet plugin and reads a CredentialProviderRequest on stdin; try `pullkey get IMAGE` or `pullkey --help`",
      );
    }
    const request = decodeRequest(io.readStdin(MAX_REQUEST_BYTES + 1));
    const located = locateConfig(options.config, io.env, io.cwd);
    if (!isAbsolute(located.given)) {
      throw new PullkeyError(
        "USAGE",
        `config path ${located.given} (from ${located.origin}) is relative; the kubelet's working directory is not defined, so give an absolute path`,
      );
    }
    const { config } = await readConfig(located.path, located.origin, io.readFile, { uid: io.uid });
    // On success the kubelet discards stderr, and on failure it must hold one line: no warnings here.
    const deps = liveAnswerDeps(io, config, () => undefined);
    // Only a config with `metrics` or `log` loads their code, and recording never fails the exec.
    const { response } = await (config.metrics || config.log
      ? (await import("./observe.js")).observedAnswer(request, config, deps)
      : answerRequest(request, config, deps));
    io.stdout(encodeResponse(response));
    return EXIT_OK;
  } catch (err) {
    io.stderr(`${errorLine(err)}\n`);
    return exitStatusFor(err);
  }
}
