import { untilAborted } from "../abort.js";
import type { Config, Rule } from "../config/config.js";
import { PullkeyError, quote, withContext } from "../errors.js";
import { formatGoDuration } from "../gocompat/duration.js";
import { parseImageUrl } from "../matching/match.js";
import type {
  AuthConfig,
  CredentialProviderRequest,
  CredentialProviderResponse,
} from "../protocol/api.js";
import { makeResponse } from "../protocol/response.js";
import { describeSpec, type Registry, sourceIsCached } from "../sources/index.js";
import type { SourceSpec } from "../sources/registry.js";
import type {
  CredentialSource,
  FetchContext,
  RegistryCredential,
  ServiceAccountContext,
} from "../sources/source.js";
import { cacheDurationFor } from "./cache-duration.js";
import { answerScope, chooseRule } from "./choose.js";
import { withRetries } from "./retry.js";

/** Where an answer's credential came from: the source, a fresh cache entry, or a stale one. */
export type Origin = "backend" | "cache" | "stale";

/** One fetch as a credential cache sees it: what keys the entry, and what labels it. */
export interface CacheRequest {
  rule: string;
  /** The rule's source spec, as configured. */
  source: SourceSpec;
  /** Folder relative source paths resolve against: the same spec in two configs may differ. */
  baseDir: string;
  registry: string;
  serviceAccount?: ServiceAccountContext | undefined;
  description: string;
  cacheDurationMs: number;
}

/**
 * A credential cache as the core sees it. The node-local cache (cache/) implements it and the
 * commands wire it in, so the core never depends on how or where entries are kept.
 */
export type ThroughCache = (
  request: CacheRequest,
  fetchFromSource: () => Promise<RegistryCredential>,
) => Promise<{ credential: RegistryCredential; origin: Origin; freshUntil?: Date | undefined }>;

/** What the core needs from the outside world. */
export interface AnswerDeps {
  createSource(spec: SourceSpec): Promise<CredentialSource>;
  now(): Date;
  signal: AbortSignal;
  sleep(ms: number): Promise<void>;
  /** The node-local cache (network sources only); absent when it is turned off. */
  throughCache?: ThroughCache | undefined;
  /** The registered sources; tests add their own. Default: every source in sources/registry.ts. */
  sources?: Registry | undefined;
}

/** What was decided, for `pullkey get` to explain; the response is what the kubelet sees. */
export interface Answer {
  response: CredentialProviderResponse;
  rule?: string;
  source?: string;
  origin?: Origin;
}

/**
 * The plugin's one job: request → rule → credential → response. The only I/O is fetching the
 * credential (through the cache, then the source); every other step is a pure function.
 */
export async function answerRequest(
  request: CredentialProviderRequest,
  config: Config,
  deps: AnswerDeps,
): Promise<Answer> {
  const { image, apiVersion } = request;
  const target = parseImageUrl(image);
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
      const duration = formatGoDuration(config.defaultCacheDurationMs);
      return { response: makeResponse(apiVersion, "Image", duration, {}) };
    }
    throw new PullkeyError(
      "NO_MATCHING_RULE",
      `no rule in ${config.file} matches image ${quote(image)} (rules: ${config.rules.map((r) => `${r.name} [${r.match.join(", ")}]`).join("; ")}); the kubelet's matchImages sends it to pullkey, so add a rule or narrow matchImages`,
    );
  }

  const context: FetchContext = { image, registry: target.host, signal: deps.signal };
  if (request.serviceAccountToken !== undefined) {
    context.serviceAccount = {
      token: request.serviceAccountToken,
      annotations: request.serviceAccountAnnotations ?? {},
    };
  }
  const fetched = await fetchCredential(rule, context, config, deps);
  const now = deps.now();
  const scope = answerScope(config.rules, rule, image);
  const auth: Record<string, AuthConfig> = {};
  for (const key of scope.authKeys) {
    auth[key] = { username: fetched.credential.username, password: fetched.credential.password };
  }
  // A stale answer is cached briefly so the kubelet asks again soon. An answer from our cache
  // lasts only as long as our entry stays fresh, so a rotated secret reaches the kubelet within
  // about one cacheDuration (our entry's jitter can add a tenth).
  const configured =
    fetched.origin === "stale"
      ? config.cache.staleCacheDurationMs
      : fetched.origin === "cache"
        ? Math.min(rule.cacheDurationMs, remainingMs(fetched.freshUntil, now))
        : rule.cacheDurationMs;
  const durationMs = cacheDurationFor(configured, fetched.credential.expiresAt, now);
  return {
    response: makeResponse(apiVersion, scope.cacheKeyType, formatGoDuration(durationMs), auth),
    rule: rule.name,
    source: fetched.description,
    origin: fetched.origin,
  };
}

async function fetchCredential(
  rule: Rule,
  context: FetchContext,
  config: Config,
  deps: AnswerDeps,
): Promise<{
  credential: RegistryCredential;
  origin: Origin;
  freshUntil?: Date | undefined;
  description: string;
}> {
  const where = `image ${quote(context.image)}, rule ${quote(rule.name)}`;
  let description = describeSpec(rule.source, deps.sources);
  // The source (and any SDK behind it) is created only on a cache miss.
  const fromSource = async () => {
    // A budget spent before the fetch (a slow start under load) fails it without asking the
    // source; the cache may still answer from a stale entry.
    if (deps.signal.aborted) {
      throw new PullkeyError(
        "DEADLINE_EXCEEDED",
        `the exec's time budget ran out before source ${description} was asked`,
      );
    }
    const source = await deps.createSource(rule.source);
    description = source.description;
    // A source that ignores the signal (a blocked file read, a hung socket) still cannot hold
    // the exec past its deadline: the race ends it, and main.ts exits once the answer is out.
    return untilAborted(
      withRetries(() => source.fetch(context), deps.signal, deps.sleep),
      deps.signal,
      () => new PullkeyError("DEADLINE_EXCEEDED", `source ${description} did not answer in time`),
    );
  };
  try {
    const result =
      deps.throughCache && sourceIsCached(rule.source, deps.sources)
        ? await deps.throughCache(
            {
              rule: rule.name,
              source: rule.source,
              baseDir: config.baseDir,
              registry: context.registry,
              serviceAccount: context.serviceAccount,
              description,
              cacheDurationMs: rule.cacheDurationMs,
            },
            fromSource,
          )
        : { credential: await fromSource(), origin: "backend" as const };
    return { ...result, description };
  } catch (err) {
    if (err instanceof PullkeyError) throw withContext(err, where);
    if (deps.signal.aborted) {
      throw new PullkeyError(
        "DEADLINE_EXCEEDED",
        `${where}: source ${description} did not answer in time`,
      );
    }
    throw err;
  }
}

function remainingMs(until: Date | undefined, now: Date): number {
  if (until === undefined) return Number.POSITIVE_INFINITY;
  return Math.max(0, Math.floor((until.getTime() - now.getTime()) / 1000) * 1000);
}
