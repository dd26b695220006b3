import * as z from "zod/mini";
import { DURATION_PATTERN, parseConfigDuration } from "../gocompat/duration.js";
import type { Zod } from "../sources/descriptor.js";
import type { Registry } from "../sources/index.js";
import { SOURCES, type SourceSpec } from "../sources/registry.js";

export const CONFIG_API_VERSION = "pullkey/v1";
export const CONFIG_KIND = "PullkeyConfig";

const DURATION_RE = new RegExp(DURATION_PATTERN);
const duration = z.string().check(
  z.regex(DURATION_RE, "must be a duration such as 30s, 10m or 12h"),
  // The pattern is the form; Go's parser has the last word (it refuses more than ~292 years).
  z.refine(
    (text) => !DURATION_RE.test(text) || parseConfigDuration(text) !== undefined,
    "is longer than Go's largest duration (about 292 years)",
  ),
  z.describe("A Go duration string: 30s, 10m, 1h30m, 0s (0s: the kubelet does not cache)."),
);

/** Presets expand to the `match` patterns of a well-known registry. */
export const PRESETS = {
  // The kubelet normalises short names and index.docker.io to docker.io/<namespace>/<repository>
  // (distribution/reference ParseNormalizedNamed), but sends registry-1.docker.io/... unchanged.
  dockerhub: ["docker.io", "registry-1.docker.io"],
} as const satisfies Record<string, readonly string[]>;

/** What a source's schema may use of zod (sources/descriptor.ts). */
const ZOD_PARTS: Zod = {
  array: z.array,
  boolean: z.boolean,
  describe: z.describe,
  discriminatedUnion: z.discriminatedUnion,
  enum: z.enum,
  int: z.int,
  literal: z.literal,
  maxLength: z.maxLength,
  minLength: z.minLength,
  number: z.number,
  optional: z.optional,
  positive: z.positive,
  record: z.record,
  refine: z.refine,
  regex: z.regex,
  strictObject: z.strictObject,
  string: z.string,
};

/**
 * A rule's `source`: one schema per registered source, told apart by `type`. Tests pass a
 * registry with a source of their own.
 */
function sourceSchema(sources: Registry): z.ZodMiniType<SourceSpec> {
  const [first, ...rest] = sources.map((source) => source.schema(ZOD_PARTS));
  if (!first) throw new Error("no sources registered");
  // Each descriptor's schema yields its own spec; together they yield the union SourceSpec.
  return z.discriminatedUnion("type", [first, ...rest] as unknown as [
    z.ZodMiniObject<{ type: z.ZodMiniLiteral<string> }>,
  ]) as unknown as z.ZodMiniType<SourceSpec>;
}

const ruleFor = (source: z.ZodMiniType<SourceSpec>) =>
  z
    .strictObject({
      name: z
        .string()
        .check(
          z.regex(
            /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/,
            "must be 1-63 letters, digits, '.', '_' or '-', starting and ending with a letter or digit",
          ),
          z.describe("Names the rule in errors and in `pullkey get` output."),
        ),
      match: z.optional(
        z
          .array(z.string())
          .check(
            z.minLength(1, "must list at least one pattern"),
            z.describe(
              "Patterns in the kubelet's matchImages syntax: host labels may use globs (*.example.com), a port must match exactly, a path is a plain prefix (docker.io/team-a).",
            ),
          ),
      ),
      preset: z.optional(
        z
          .enum(Object.keys(PRESETS) as [keyof typeof PRESETS])
          .check(
            z.describe(
              "dockerhub: match every Docker Hub image (docker.io and registry-1.docker.io).",
            ),
          ),
      ),
      cacheDuration: z.optional(duration),
      source,
    })
    .check(
      z.describe(
        "Maps images to a credential source. Rules are tried in order; the first match wins.",
      ),
    );

/**
 * The shape of pullkey's config file, before the cross-field rules of validateConfig, for the
 * sources of `sources`.
 */
export const configSchemaFor = (sources: Registry = SOURCES as unknown as Registry) =>
  z
    .strictObject({
      apiVersion: z.literal(CONFIG_API_VERSION),
      kind: z.literal(CONFIG_KIND),
      defaultCacheDuration: z.optional(duration),
      unmatched: z.optional(
        z
          .enum(["error", "anonymous"])
          .check(
            z.describe(
              "When no rule matches an image: error (default) fails the exec so the kubelet logs why; anonymous answers with no credentials.",
            ),
          ),
      ),
      stateDir: z.optional(
        z
          .string()
          .check(
            z.regex(/^\//, "must be an absolute path"),
            z.describe(
              "Root-only folder for state kept between execs, such as reusable backend login tokens. Default /var/lib/pullkey.",
            ),
          ),
      ),
      cache: z.optional(
        z
          .strictObject({
            enabled: z.optional(
              z
                .boolean()
                .check(z.describe("Keep the last good credential on the node (default true).")),
            ),
            staleIfError: z.optional(
              duration.check(
                z.describe(
                  "How long after it stops being fresh the last good credential may still be served while the source fails (default 24h; 0s never serves stale credentials).",
                ),
              ),
            ),
            staleCacheDuration: z.optional(
              duration.check(
                z.describe(
                  "The cacheDuration given to the kubelet with a stale credential, so it asks again soon (default 1m).",
                ),
              ),
            ),
          })
          .check(
            z.describe(
              "The node-local credential cache under stateDir: fresh entries answer without the backend, and stale ones cover backend outages.",
            ),
          ),
      ),
      execTimeout: z.optional(
        duration.check(
          z.describe(
            "Time budget for one exec, including waiting for another exec's fetch (default 20s; the kubelet kills plugins after 1m).",
          ),
        ),
      ),
      metrics: z.optional(
        z
          .strictObject({
            textfile: z
              .string()
              .check(
                z.regex(/^\/.*\.prom$/, "must be an absolute path ending in .prom"),
                z.describe(
                  "Prometheus text file rewritten (atomically) after each exec, for node-exporter's textfile collector, e.g. /var/lib/node_exporter/textfile_collector/pullkey.prom.",
                ),
              ),
          })
          .check(z.describe("Optional Prometheus metrics; when absent, no metrics code runs.")),
      ),
      log: z.optional(
        z
          .strictObject({
            file: z.optional(
              z
                .string()
                .check(
                  z.regex(/^\//, "must be an absolute path"),
                  z.describe(
                    "File that gets one logfmt line per exec (time, image, rule, source, origin, duration; error code and message on failure; never a secret), e.g. /var/log/pullkey.log; moved to <file>.1 past 10 MiB.",
                  ),
                ),
            ),
            journald: z.optional(
              z
                .boolean()
                .check(
                  z.describe(
                    "Also send each line to the systemd journal, as `pullkey` (journalctl -t pullkey); failures at priority err.",
                  ),
                ),
            ),
          })
          .check(
            z.refine(
              (log) => log.file !== undefined || log.journald === true,
              "set file, journald: true, or both",
            ),
            z.describe(
              "Optional exec log: the kubelet keeps a plugin's stderr only when it fails, so successes are logged here.",
            ),
          ),
      ),
      rules: z
        .array(ruleFor(sourceSchema(sources)))
        .check(z.minLength(1, "must list at least one rule")),
    })
    .check(z.describe("pullkey configuration: which credential source serves which images."));

/** The schema of pullkey's config file with every registered source. */
export const configSchema = configSchemaFor();

export type RawConfig = z.infer<typeof configSchema>;
