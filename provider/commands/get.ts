import { resolve } from "node:path";
import type { Config } from "../config/config.js";
import { filePermissionWarnings } from "../config/file-checks.js";
import { locateConfig, readConfig } from "../config/read.js";
import { answerRequest } from "../core/answer.js";
import { chooseRule } from "../core/choose.js";
import { explainChoice } from "../core/explain.js";
import { errorLine, PullkeyError } from "../errors.js";
import { EXIT_OK, exitStatusFor, type Io } from "../io.js";
import { normalizeImageName } from "../matching/image.js";
import { API_GROUP, type ApiVersion, isApiVersion } from "../protocol/api.js";
import { type DockerConfigNote, dockerConfigNotes } from "../sources/docker-config/notes.js";
import { liveAnswerDeps } from "./live-deps.js";

export interface GetOptions {
  config?: string | undefined;
  apiVersion?: string | undefined;
  showSecrets?: boolean | undefined;
  verbose?: boolean | undefined;
  /** Read the source even when the node-local cache holds a fresh entry. */
  noCache?: boolean | undefined;
}

/**
 * `pullkey get IMAGE`: what the kubelet would receive for an image, for a human. The image is
 * normalised the way the kubelet normalises it, and passwords are redacted unless asked for.
 */
export async function getCommand(io: Io, imageArg: string, options: GetOptions): Promise<number> {
  try {
    const apiVersion = parseApiVersion(options.apiVersion);
    const image = normalizeImageName(imageArg);
    const verbose = (line: string) => {
      if (options.verbose) io.stderr(`pullkey: ${line}\n`);
    };
    const located = locateConfig(options.config, io.env, io.cwd);
    const readStarted = Date.now();
    const { config, warnings } = await readConfig(located.path, located.origin, io.readFile);
    verbose(
      `config ${config.file} (from ${located.origin}): ${config.rules.length} rules, read in ${Date.now() - readStarted} ms`,
    );
    for (const line of explainChoice(config.rules, image)) verbose(line);
    // A missing helper is left to the fetch, which fails with the same line.
    const storeNotes = await chosenRuleStoreNotes(io, config, image);
    for (const note of storeNotes) if (note.level === "info") verbose(note.message);
    for (const warning of [
      ...warnings,
      ...storeNotes.filter((n) => n.level === "warning").map((n) => n.message),
      ...(await filePermissionWarnings(io, config)),
    ]) {
      io.stderr(`pullkey: warning: ${warning}\n`);
    }
    const warn = (message: string) => io.stderr(`pullkey: warning: ${message}\n`);
    const answerStarted = Date.now();
    const answer = await answerRequest(
      { apiVersion, image },
      config,
      liveAnswerDeps(io, config, warn, undefined, { noCache: options.noCache }),
    );
    const { response } = answer;
    const from = { backend: "the source", cache: "the node cache", stale: "a stale cache entry" };
    verbose(
      `credential from ${answer.origin ? from[answer.origin] : "no source (unmatched)"} in ${Date.now() - answerStarted} ms`,
    );
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

/** Credential-store notes for the docker config of the rule that serves the image, if any. */
async function chosenRuleStoreNotes(
  io: Io,
  config: Config,
  image: string,
): Promise<DockerConfigNote[]> {
  const source = chooseRule(config.rules, image)?.source;
  if (source?.type !== "dockerConfig") return [];
  const path = resolve(config.baseDir, source.path);
  const bytes = await io.readFile(path).catch(() => undefined);
  if (!bytes) return [];
  return dockerConfigNotes(bytes, `docker config ${path}`, {
    credentialHelperDir: source.credentialHelperDir,
  });
}
