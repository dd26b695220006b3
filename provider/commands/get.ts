import { locateConfig, readConfig } from "../config/read.js";
import { answerRequest } from "../core/answer.js";
import { errorLine, PullkeyError } from "../errors.js";
import { EXIT_OK, exitStatusFor, type Io } from "../io.js";
import { normalizeImageName } from "../matching/image.js";
import { API_GROUP, type ApiVersion, isApiVersion } from "../protocol/api.js";
import { filePermissionWarnings } from "./file-checks.js";
import { liveAnswerDeps } from "./live-deps.js";

export interface GetOptions {
  config?: string | undefined;
  apiVersion?: string | undefined;
  showSecrets?: boolean | undefined;
}

/**
 * `pullkey get IMAGE`: what the kubelet would receive for an image, for a human. The image is
 * normalised the way the kubelet normalises it, and passwords are redacted unless asked for.
 */
export async function getCommand(io: Io, imageArg: string, options: GetOptions): Promise<number> {
  try {
    const apiVersion = parseApiVersion(options.apiVersion);
    const image = normalizeImageName(imageArg);
    const located = locateConfig(options.config, io.env, io.cwd);
    const { config, warnings } = await readConfig(located.path, located.origin, io.readFile);
    for (const warning of [...warnings, ...(await filePermissionWarnings(io, config))]) {
      io.stderr(`pullkey: warning: ${warning}\n`);
    }
    const warn = (message: string) =>
      io.stderr(`pullkey: warning: ${message}
`);
    const answer = await answerRequest(
      { apiVersion, image },
      config,
      liveAnswerDeps(io, config, warn),
    );
    const { response } = answer;
    const shown = options.showSecrets
      ? response
      : {
          ...response,
          auth: Object.fromEntries(
            Object.entries(response.auth).map(([key, entry]) => [
              key,
              { username: entry.username, password: "<redacted: use --show-secrets>" },
            ]),
          ),
        };
    const output = { kind: "CredentialProviderResponse", ...shown };
    io.stdout(`${JSON.stringify(output, null, 2)}\n`);
    const via = answer.rule
      ? `rule "${answer.rule}" (${answer.source}, answered from ${answer.origin === "backend" ? "the source" : answer.origin === "cache" ? "the node cache" : "a stale cache entry: the source is failing"})`
      : "no rule (unmatched: anonymous)";
    io.stderr(
      `pullkey: ${image}${image !== imageArg ? ` (from ${imageArg})` : ""}: ${via}, cacheKeyType ${response.cacheKeyType}, cacheDuration ${response.cacheDuration}, config ${config.file}\n`,
    );
    return EXIT_OK;
  } catch (err) {
    io.stderr(`${errorLine(err)}\n`);
    return exitStatusFor(err);
  }
}

function parseApiVersion(value: string | undefined): ApiVersion {
  if (value === undefined) return `${API_GROUP}/v1`;
  const full = value.includes("/") ? value : `${API_GROUP}/${value}`;
  if (!isApiVersion(full)) {
    throw new PullkeyError("USAGE", `--api-version ${value} is not one of v1, v1beta1, v1alpha1`);
  }
  return full;
}
