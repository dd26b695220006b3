import { dirname } from "node:path";
import { quote } from "../errors.js";
import { parseConfigDuration } from "../gocompat/duration.js";
import type { Registry } from "../sources/index.js";
import {
  type Config,
  DEFAULT_CACHE,
  DEFAULT_CACHE_DURATION_MS,
  DEFAULT_EXEC_TIMEOUT_MS,
  DEFAULT_STATE_DIR,
  type Rule,
} from "./config.js";
import { describeIssue } from "./issues.js";
import { patternCovers, patternProblem } from "./patterns.js";
import { configSchema, configSchemaFor, PRESETS } from "./schema.js";

/** The outcome of validation: a config when there are no errors, and `path: message` lines. */
export interface ValidationResult {
  config?: Config;
  errors: string[];
  warnings: string[];
}

/**
 * Validates a parsed config document: the schema first, then the cross-field rules (every rule
 * has patterns, names are unique) and the warnings (a pattern that never matches, a rule hidden
 * by an earlier one).
 * Pure: the caller reads the file and passes its absolute path.
 */
export function validateConfig(doc: unknown, file: string, sources?: Registry): ValidationResult {
  const parsed = (sources ? configSchemaFor(sources) : configSchema).safeParse(doc);
  if (!parsed.success) {
    return {
      errors: parsed.error.issues.flatMap((issue) => describeIssue(issue, doc)),
      warnings: [],
    };
  }
  const raw = parsed.data;
  const errors: string[] = [];
  const warnings: string[] = [];
  const defaultCacheDurationMs =
    raw.defaultCacheDuration === undefined
      ? DEFAULT_CACHE_DURATION_MS
      : (parseConfigDuration(raw.defaultCacheDuration) ?? DEFAULT_CACHE_DURATION_MS);

  const rules = raw.rules.map((rule, i): Rule => {
    const at = `rules[${i}]`;
    if (rule.match && rule.preset) {
      errors.push(`${at}: set either "match" or "preset", not both`);
    } else if (!rule.match && !rule.preset) {
      errors.push(
        `${at}: needs "match" (image patterns, as in the kubelet's matchImages) or "preset" (${Object.keys(PRESETS).join(", ")})`,
      );
    }
    const match = rule.match ?? (rule.preset ? [...PRESETS[rule.preset]] : []);
    (rule.match ?? []).forEach((pattern, j) => {
      // A warning, not an error: refusing the config would take every other rule down with it.
      const problem = patternProblem(pattern);
      if (problem) warnings.push(`${at}.match[${j}]: ${problem}`);
    });
    const cacheDurationMs =
      rule.cacheDuration === undefined
        ? defaultCacheDurationMs
        : (parseConfigDuration(rule.cacheDuration) ?? defaultCacheDurationMs);
    return { name: rule.name, match, cacheDurationMs, source: rule.source };
  });

  const seen = new Map<string, number>();
  rules.forEach((rule, i) => {
    const first = seen.get(rule.name);
    if (first !== undefined) {
      errors.push(`rules[${i}].name: ${quote(rule.name)} is already the name of rules[${first}]`);
    } else {
      seen.set(rule.name, i);
    }
  });
  warnings.push(...shadowWarnings(rules));

  const execTimeoutMs = durationOr(raw.execTimeout, DEFAULT_EXEC_TIMEOUT_MS);
  if (execTimeoutMs < 1_000 || execTimeoutMs > 50_000) {
    errors.push(
      "execTimeout: must be between 1s and 50s: the kubelet kills a plugin after 1m, and pullkey needs the rest to answer",
    );
  }

  if (errors.length > 0) return { errors, warnings };
  return {
    config: {
      file,
      baseDir: dirname(file),
      defaultCacheDurationMs,
      unmatched: raw.unmatched ?? "error",
      stateDir: raw.stateDir ?? DEFAULT_STATE_DIR,
      cache: {
        enabled: raw.cache?.enabled ?? DEFAULT_CACHE.enabled,
        staleIfErrorMs: durationOr(raw.cache?.staleIfError, DEFAULT_CACHE.staleIfErrorMs),
        staleCacheDurationMs: durationOr(
          raw.cache?.staleCacheDuration,
          DEFAULT_CACHE.staleCacheDurationMs,
        ),
      },
      execTimeoutMs,
      ...(raw.metrics ? { metrics: { textfile: raw.metrics.textfile } } : {}),
      ...(raw.log
        ? {
            log: {
              ...(raw.log.file === undefined ? {} : { file: raw.log.file }),
              ...(raw.log.journald ? { journald: true } : {}),
            },
          }
        : {}),
      rules,
    },
    errors,
    warnings,
  };
}

/** A validated duration string in milliseconds, or the default when absent. */
function durationOr(text: string | undefined, fallback: number): number {
  return text === undefined ? fallback : (parseConfigDuration(text) ?? fallback);
}

/** Warns about rules that can never win because an earlier rule matches everything they match. */
function shadowWarnings(rules: Rule[]): string[] {
  const warnings: string[] = [];
  rules.forEach((rule, i) => {
    if (rule.match.length === 0) return;
    const earlier = rules.slice(0, i);
    const hiders = rule.match.map((pattern) =>
      earlier.findIndex((other) => other.match.some((outer) => patternCovers(outer, pattern))),
    );
    if (hiders.every((h) => h >= 0)) {
      const by = [...new Set(hiders)].map((h) => `rules[${h}] (${quote(rules[h]?.name ?? "")})`);
      warnings.push(
        `rules[${i}] (${quote(rule.name)}) is never used: ${by.join(" and ")} come${by.length === 1 ? "s" : ""} first and match${by.length === 1 ? "es" : ""} every image it would; rules are tried in order, so put the more specific rule first`,
      );
    }
  });
  return warnings;
}
