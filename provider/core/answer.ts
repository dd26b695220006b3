import type { Config } from "../config/config.js";
import { PullkeyError, quote, withContext } from "../errors.js";
import { parseSchemeless } from "../matching/url.js";
import type {
  AuthConfig,
  CredentialProviderRequest,
  CredentialProviderResponse,
} from "../protocol/api.js";
import { formatDuration } from "../protocol/duration.js";
import { makeResponse } from "../protocol/response.js";
import { describeSpec } from "../sources/index.js";
import type { CredentialSource, RegistryCredential } from "../sources/source.js";
import type { SourceSpec } from "../sources/specs.js";
import { cacheDurationFor } from "./cache-duration.js";
import { answerScope, chooseRule } from "./choose.js";

/** What the core needs from the outside world. */
export interface AnswerDeps {
  createSource(spec: SourceSpec): Promise<CredentialSource>;
  now(): Date;
  signal: AbortSignal;
}

/** What was decided, for `pullkey get` to explain; the response is what the kubelet sees. */
export interface Answer {
  response: CredentialProviderResponse;
  rule?: string;
  source?: string;
}

/**
 * The plugin's one job: request → rule → credential → response. The only I/O is the source's
 * fetch; every other step is a pure function with its own tests.
 */
export async function answerRequest(
  request: CredentialProviderRequest,
  config: Config,
  deps: AnswerDeps,
): Promise<Answer> {
  const { image, apiVersion } = request;
  const target = parseSchemeless(image);
  if (!target) {
    throw new PullkeyError(
      "REQUEST_INVALID",
      `request image ${quote(image)} is not a repository name`,
    );
  }
  const rule = chooseRule(config.rules, image);
  if (!rule) {
    if (config.unmatched === "anonymous") {
      // Per image, so this empty answer never hides credentials for another repository.
      const duration = formatDuration(config.defaultCacheDurationMs);
      return { response: makeResponse(apiVersion, "Image", duration, {}) };
    }
    throw new PullkeyError(
      "NO_MATCHING_RULE",
      `no rule in ${config.file} matches image ${quote(image)} (rules: ${config.rules.map((r) => `${r.name} [${r.match.join(", ")}]`).join("; ")}); the kubelet's matchImages sends it to pullkey, so add a rule or narrow matchImages`,
    );
  }

  const context = `image ${quote(image)}, rule ${quote(rule.name)}`;
  let credential: RegistryCredential;
  let description = describeSpec(rule.source);
  try {
    const source = await deps.createSource(rule.source);
    description = source.description;
    credential = await source.fetch({
      image,
      registry: target.host,
      signal: deps.signal,
      ...(request.serviceAccountToken === undefined
        ? {}
        : {
            serviceAccount: {
              token: request.serviceAccountToken,
              annotations: request.serviceAccountAnnotations ?? {},
            },
          }),
    });
  } catch (err) {
    if (err instanceof PullkeyError) throw withContext(err, context);
    if (deps.signal.aborted) {
      throw new PullkeyError(
        "DEADLINE_EXCEEDED",
        `${context}: source ${description} did not answer in time`,
      );
    }
    throw err;
  }

  const scope = answerScope(config.rules, rule, image);
  const auth: Record<string, AuthConfig> = {};
  for (const key of scope.authKeys) {
    auth[key] = { username: credential.username, password: credential.password };
  }
  const durationMs = cacheDurationFor(rule.cacheDurationMs, credential.expiresAt, deps.now());
  return {
    response: makeResponse(apiVersion, scope.cacheKeyType, formatDuration(durationMs), auth),
    rule: rule.name,
    source: description,
  };
}
