import { join } from "node:path";
import type { Config } from "../config/config.js";
import { filePermissionWarnings } from "../config/file-checks.js";
import { locateConfig, readConfig } from "../config/read.js";
import { type AnswerDeps, answerRequest } from "../core/answer.js";
import { chooseRule } from "../core/choose.js";
import { errorLine, quote } from "../errors.js";
import type { Io } from "../io.js";
import { urlsMatch } from "../matching/match.js";
import type { NodeFs } from "../node/fs.js";
import { API_GROUP } from "../protocol/api.js";
import { cacheCheck } from "./cache-check.js";
import type { HttpClient } from "./http.js";
import { binaryCheck, kubeletConfigCheck, providerCheck, providerConfigPath } from "./kubelet.js";
import { kubeletFlagsCheck } from "./kubelet-flags.js";
import { metricsCheck } from "./metrics-check.js";
import { describeWindow } from "./ratelimit.js";
import { type ImageReference, parseImageReference } from "./reference.js";
import { checkRegistry, type RegistryCheck } from "./registry.js";
import { type CheckResult, type DoctorReport, verdictOf } from "./report.js";
import { tokenAudienceCheck } from "./token-audience.js";

export interface DoctorOptions {
  image?: string | undefined;
  config?: string | undefined;
  /** Where the node's files are: "/" on a node, a copy of one in tests. */
  root: string;
  /** The kubelet provider name pullkey runs under (`install --name`). */
  name: string;
}

export interface DoctorDeps {
  io: Io;
  node: NodeFs;
  http: HttpClient;
  /** The core's collaborators for one fetch, straight from the source (no node cache). */
  answerDeps(config: Config, io: Io): AnswerDeps;
  /** The node's files under --root (absent on a node): a config found on the node reads through it. */
  nodeIo?: Io;
}

/** The whole registry flow gets this long; a hung registry then fails its line, not the run. */
const REGISTRY_TIMEOUT_MS = 15_000;

/**
 * Follows one pull from the kubelet to the registry and reports each step: the kubelet's flags,
 * its CredentialProviderConfig and pullkey's entry and binary; pullkey's config, the rule for
 * IMAGE, the source, the credentials (never shown), and whether the registry accepts them.
 * A step whose input is missing because an earlier one failed is left out, not reported twice.
 */
export async function runDoctor(options: DoctorOptions, deps: DoctorDeps): Promise<DoctorReport> {
  const image: ImageReference | undefined =
    options.image === undefined ? undefined : parseImageReference(options.image);
  const checks: CheckResult[] = [];

  const flags = await kubeletFlagsCheck(deps.node);
  checks.push(flags.check);
  let kubeletPullkeyConfig: string | undefined;
  if (flags.config) {
    const { check, providers } = await kubeletConfigCheck(deps.node, flags.config);
    checks.push(check);
    if (providers) {
      const found = providerCheck(providers, flags.config, image?.name, options.name);
      checks.push(found.check);
      if (found.provider) kubeletPullkeyConfig = providerConfigPath(found.provider);
      const audience = found.provider?.tokenAudience;
      if (audience) checks.push(await tokenAudienceCheck(deps.node, flags.kubeconfig, audience));
    }
  }
  if (flags.binDir) checks.push(await binaryCheck(deps.node, flags.binDir, options.name));

  const found = await configCheck(options, deps, kubeletPullkeyConfig, checks);
  const config = found?.config;
  if (!config) return finish(checks, image);
  // Under --root, the state folder and the metrics textfile are the tree's, not this host's.
  const local = found?.onNode && options.root !== "/" ? underRoot(config, options.root) : config;
  checks.push(await cacheCheck(local, deps.io.uid));
  const metrics = await metricsCheck(local, deps.io.now());
  if (metrics) checks.push(metrics);
  if (!image) {
    checks.push({
      id: "image",
      status: "skip",
      summary:
        "no IMAGE given: pass one (pullkey doctor busybox) to check its rule, source and registry",
    });
    return finish(checks, image);
  }

  const rule = chooseRule(config.rules, image.name);
  let credential: { username: string; password: string } | undefined;
  if (!rule) {
    if (config.unmatched !== "anonymous") {
      checks.push({
        id: "rule",
        status: "fail",
        summary: `no rule matches ${image.name} (rules: ${config.rules.map((r) => `${r.name} [${r.match.join(", ")}]`).join("; ")}); the plugin fails with NO_MATCHING_RULE`,
      });
      return finish(checks, image);
    }
    checks.push({
      id: "rule",
      status: "warn",
      summary: `no rule matches ${image.name}; with unmatched: anonymous pullkey answers without credentials`,
    });
  } else {
    checks.push({
      id: "rule",
      status: "ok",
      summary: `rule ${quote(rule.name)} [${rule.match.join(", ")}] answers ${image.name}`,
    });
    const started = Date.now();
    try {
      const answer = await answerRequest(
        { apiVersion: `${API_GROUP}/v1`, image: image.name },
        config,
        deps.answerDeps(config, found?.io ?? deps.io),
      );
      const ms = Date.now() - started;
      checks.push({
        id: "source",
        status: "ok",
        summary: `${answer.source ?? rule.source.type} answered in ${ms} ms`,
      });
      // The kubelet's keyring uses an auth entry only if its key matches the image (keyring.go).
      const keys = Object.keys(answer.response.auth);
      const key = keys.find((k) => urlsMatch(k, image.name));
      const first = key === undefined ? undefined : answer.response.auth[key];
      if (first) credential = first;
      checks.push({
        id: "credentials",
        status: !first ? "fail" : first.password === "" ? "warn" : "ok",
        summary: first
          ? `username ${quote(first.username)}, password ${first.password === "" ? "EMPTY" : "redacted"}, for ${keys.join(", ")}; cacheKeyType ${answer.response.cacheKeyType}, cacheDuration ${answer.response.cacheDuration}`
          : keys.length === 0
            ? "the answer holds no credentials"
            : `no auth key of the answer (${keys.join(", ")}) matches ${image.name}, so the kubelet would not use the credentials`,
      });
    } catch (err) {
      checks.push({
        id: "source",
        status: "fail",
        summary: errorLine(err).replace(/^pullkey: /, ""),
      });
      return finish(checks, image);
    }
    if (!credential) return finish(checks, image);
  }

  const registry = await checkRegistry(
    image,
    credential,
    deps.http,
    AbortSignal.timeout(REGISTRY_TIMEOUT_MS),
  );
  checks.push({ id: "registry", status: registry.ok ? "ok" : "fail", summary: registry.summary });
  const limit = rateLimitCheck(registry);
  if (limit) checks.push(limit);
  return finish(checks, image);
}

/** The config with its state folder and metrics textfile read under --root (a path already there stays). */
function underRoot(config: Config, root: string): Config {
  const at = (path: string) => (path.startsWith(`${root}/`) ? path : join(root, path));
  const metrics = config.metrics;
  return {
    ...config,
    stateDir: at(config.stateDir),
    ...(metrics?.textfile !== undefined
      ? { metrics: { ...metrics, textfile: at(metrics.textfile) } }
      : {}),
  };
}

function finish(checks: CheckResult[], image: ImageReference | undefined): DoctorReport {
  return {
    ...(image
      ? { image: `${image.name}${image.reference.includes(":") ? "@" : ":"}${image.reference}` }
      : {}),
    checks,
    verdict: verdictOf(checks),
  };
}

/**
 * pullkey's own config: --config, else PULLKEY_CONFIG, else the file the kubelet's pullkey entry
 * names, else the default. The last two are the node's: under --root, they and every file they
 * name are read from the tree; the first two are this host's files, read as given.
 */
async function configCheck(
  options: DoctorOptions,
  deps: DoctorDeps,
  fromKubelet: string | undefined,
  checks: CheckResult[],
): Promise<{ config: Config; io: Io; onNode: boolean } | undefined> {
  let located = locateConfig(options.config, deps.io.env, deps.io.cwd);
  const onNode = located.origin === "default";
  const io = onNode ? (deps.nodeIo ?? deps.io) : deps.io;
  let origin = located.origin === "default" ? "pullkey's default" : located.origin;
  if (located.origin === "default" && fromKubelet !== undefined) {
    located = { path: fromKubelet, origin: "default", given: fromKubelet };
    origin = "the kubelet's pullkey entry";
  }
  try {
    const { config, warnings } = await readConfig(located.path, located.origin, io.readFile);
    const all = [...warnings, ...(await filePermissionWarnings(io, config))];
    const differs =
      fromKubelet !== undefined && fromKubelet !== located.given
        ? [`the kubelet's pullkey entry uses ${fromKubelet}, not this file`]
        : [];
    const notes = [...all, ...differs];
    checks.push({
      id: "config",
      status: notes.length ? "warn" : "ok",
      summary: `${located.path} (from ${origin}) is valid: ${config.rules.length} rule${config.rules.length === 1 ? "" : "s"}${notes.length ? `; ${notes.join("; ")}` : ""}`,
    });
    return { config, io, onNode };
  } catch (err) {
    checks.push({
      id: "config",
      status: "fail",
      summary: errorLine(err).replace(/^pullkey: /, ""),
    });
    return undefined;
  }
}

/** Docker Hub's pull allowance; other registries get a line only when they send the headers. */
function rateLimitCheck(registry: RegistryCheck): CheckResult | undefined {
  const limit = registry.rateLimit;
  if (!limit) return undefined;
  const id = "ratelimit";
  switch (limit.kind) {
    case "unlimited":
      return registry.dockerHub
        ? {
            id,
            status: "ok",
            summary:
              "no ratelimit-* headers: these pulls are not rate-limited (paid plan or exempt image)",
          }
        : undefined;
    case "malformed":
      return { id, status: "warn", summary: `unreadable rate-limit headers: ${limit.problem}` };
    case "limited": {
      const per =
        limit.windowSeconds === undefined ? "" : ` per ${describeWindow(limit.windowSeconds)}`;
      const keyed = limit.source ? ` (counted for ${limit.source})` : "";
      const text = `${limit.remaining} of ${limit.limit} pulls left${per}${keyed}`;
      if (limit.remaining === 0) {
        return {
          id,
          status: "fail",
          summary: `${text}: pulls fail with 429 until the window moves on`,
        };
      }
      if (limit.remaining < limit.limit / 10) {
        return { id, status: "warn", summary: `${text}: nearly used up` };
      }
      return { id, status: "ok", summary: text };
    }
  }
}
