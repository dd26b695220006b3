import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { validateConfig } from "../../../provider/config/validate.js";

const FILE = "/etc/pullkey/config.yaml";
const hubRule = {
  name: "dockerhub",
  preset: "dockerhub",
  source: { type: "dockerConfig", path: "docker.json" },
};
const teamRule = {
  name: "team-a",
  match: ["docker.io/team-a"],
  source: { type: "static", username: "", passwordFile: "t" },
};
const base = { apiVersion: "pullkey/v1", kind: "PullkeyConfig", rules: [hubRule] };
const withRule = (rule: Record<string, unknown>) => ({ ...base, rules: [{ ...hubRule, ...rule }] });
const patterns = (...match: string[]) => withRule({ preset: undefined, match });

describe("validating pullkey's config", () => {
  it("turns a minimal config into a typed config with defaults", () => {
    const { config, errors } = validateConfig(base, FILE);
    expect(errors).toEqual([]);
    expect(config).toEqual({
      file: FILE,
      baseDir: "/etc/pullkey",
      defaultCacheDurationMs: 600_000,
      unmatched: "error",
      stateDir: "/var/lib/pullkey",
      cache: { enabled: true, staleIfErrorMs: 86_400_000, staleCacheDurationMs: 60_000 },
      execTimeoutMs: 20_000,
      rules: [
        {
          name: "dockerhub",
          match: ["docker.io", "registry-1.docker.io"],
          cacheDurationMs: 600_000,
          source: { type: "dockerConfig", path: "docker.json" },
        },
      ],
    });
  });

  it("uses the rule's cache duration, then the config's default", () => {
    const doc = {
      ...base,
      defaultCacheDuration: "1h",
      rules: [teamRule, { ...hubRule, cacheDuration: "30s" }],
    };
    const { config } = validateConfig(doc, FILE);
    expect(config?.rules.map((r) => r.cacheDurationMs)).toEqual([3_600_000, 30_000]);
  });

  it.each([
    {
      name: "wrong apiVersion",
      doc: { ...base, apiVersion: "v1" },
      error: 'apiVersion: "v1" is not supported; must be "pullkey/v1"',
    },
    {
      name: "missing kind",
      doc: { ...base, kind: undefined },
      error: 'kind: required; must be "PullkeyConfig"',
    },
    { name: "no rules", doc: { ...base, rules: [] }, error: "rules: must list at least one rule" },
    {
      name: "rules not a list",
      doc: { ...base, rules: { a: 1 } },
      error: "rules: expected array, got a mapping",
    },
    { name: "unknown top-level field", doc: { ...base, rule: [] }, error: "rule: unknown field" },
    {
      name: "unknown rule field",
      doc: withRule({ matches: ["x.io"] }),
      error: "rules[0].matches: unknown field",
    },
    {
      name: "unknown source field",
      doc: withRule({ source: { type: "dockerConfig", path: "x", file: "y" } }),
      error: "rules[0].source.file: unknown field",
    },
    {
      name: "unknown source type",
      doc: withRule({ source: { type: "vaultt" } }),
      error:
        'rules[0].source.type: "vaultt" is not supported; expected one of "awsSecretsManager", "dockerConfig", "static", "vault"',
    },
    {
      name: "missing source type",
      doc: withRule({ source: {} }),
      error:
        'rules[0].source.type: required; one of "awsSecretsManager", "dockerConfig", "static", "vault"',
    },
    {
      name: "missing password file",
      doc: withRule({ source: { type: "static", username: "u" } }),
      error: "rules[0].source.passwordFile: required",
    },
    {
      name: "bad duration",
      doc: withRule({ cacheDuration: "1 day" }),
      error: "rules[0].cacheDuration: must be a duration such as 30s, 10m or 12h",
    },
    {
      name: "numeric duration",
      doc: withRule({ cacheDuration: 60 }),
      error: "rules[0].cacheDuration: expected string, got number",
    },
    {
      name: "bad rule name",
      doc: withRule({ name: "-x" }),
      error: "rules[0].name: must be 1-63 letters",
    },
    {
      name: "unknown preset",
      doc: withRule({ preset: "quay" }),
      error: 'rules[0].preset: "quay" is not supported; must be "dockerhub"',
    },
    {
      name: "neither match nor preset",
      doc: withRule({ preset: undefined }),
      error: 'rules[0]: needs "match"',
    },
    {
      name: "both match and preset",
      doc: withRule({ match: ["docker.io"] }),
      error: 'rules[0]: set either "match" or "preset", not both',
    },
    {
      name: "empty match list",
      doc: patterns(),
      error: "rules[0].match: must list at least one pattern",
    },
    {
      name: "duplicate rule names",
      doc: { ...base, rules: [hubRule, { ...teamRule, name: "dockerhub" }] },
      error: 'rules[1].name: "dockerhub" is already the name of rules[0]',
    },
    {
      name: "bad unmatched mode",
      doc: { ...base, unmatched: "ignore" },
      error: 'unmatched: "ignore" is not supported; must be "error" or "anonymous"',
    },
    {
      name: "a duration Go cannot hold",
      doc: { ...base, defaultCacheDuration: "9999999999h" },
      error: "defaultCacheDuration: is longer than Go's largest duration (about 292 years)",
    },
    {
      name: "an exec timeout the kubelet would cut short",
      doc: { ...base, execTimeout: "55s" },
      error: "execTimeout: must be between 1s and 50s",
    },
    {
      name: "an unknown cache field",
      doc: { ...base, cache: { ttl: "1h" } },
      error: "cache.ttl: unknown field",
    },
    { name: "not a mapping", doc: "rules: []", error: "(config): expected object, got string" },
  ])("reports $name as `path: message`", ({ doc, error }) => {
    const result = validateConfig(doc, FILE);
    expect(result.config).toBeUndefined();
    expect(result.errors.join("\n")).toContain(error);
  });

  // Useless patterns warn: refusing the config would leave every image without credentials.
  it.each([
    {
      name: "a /* pattern",
      doc: patterns("harbor.example.com/*"),
      warning:
        'rules[0].match[0]: "harbor.example.com/*": the path part is a plain prefix, not a glob, so it never matches; write "harbor.example.com"',
    },
    {
      name: "a scheme",
      doc: patterns("https://ghcr.io"),
      warning: 'includes a scheme, so it never matches; write "ghcr.io"',
    },
    {
      name: "index.docker.io",
      doc: patterns("index.docker.io"),
      warning:
        'the kubelet rewrites index.docker.io to docker.io before it asks a plugin; write "docker.io" or use preset: dockerhub',
    },
    {
      name: "a tag",
      doc: patterns("docker.io/library/busybox:1.36"),
      warning: "has a tag or digest",
    },
    {
      name: "an unparsable pattern",
      doc: patterns("%zz"),
      warning:
        'rules[0].match[0]: "%zz" never matches: the kubelet cannot parse it (parse "https://%zz": invalid URL escape "%zz")',
    },
    {
      name: "an empty pattern",
      doc: patterns(""),
      warning: "rules[0].match[0]: is empty, so it never matches",
    },
    { name: "a question mark", doc: patterns("registr?.io"), warning: 'contains "?" or "#"' },
    {
      name: "a userinfo Go cannot unescape",
      doc: patterns("u%zz@docker.io"),
      warning: '"u%zz@docker.io" never matches: the kubelet cannot parse it',
    },
    {
      name: "a digest",
      doc: patterns("docker.io/library/busybox@sha256:abc"),
      warning: "has a tag or digest",
    },
  ])("warns about $name and keeps the config", ({ doc, warning }) => {
    const result = validateConfig(doc, FILE);
    expect(result.errors).toEqual([]);
    expect(result.config).toBeDefined();
    expect(result.warnings.join("\n")).toContain(warning);
  });

  it.each([
    {
      name: "Docker Hub's API host, which the kubelet sends unchanged",
      pattern: "registry-1.docker.io",
    },
    { name: "a path on Docker Hub's API host", pattern: "registry-1.docker.io/team-a" },
    { name: "every Docker Hub host but docker.io", pattern: "*.docker.io" },
    { name: "a userinfo, which the kubelet ignores", pattern: "robot@docker.io" },
  ])("accepts $name without a warning", ({ pattern }) => {
    const result = validateConfig(patterns(pattern), FILE);
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
  });

  it("warns about a rule that an earlier rule hides", () => {
    const { config, warnings } = validateConfig({ ...base, rules: [hubRule, teamRule] }, FILE);
    expect(config).toBeDefined();
    expect(warnings).toEqual([
      'rules[1] ("team-a") is never used: rules[0] ("dockerhub") comes first and matches every image it would; rules are tried in order, so put the more specific rule first',
    ]);
  });

  it("does not warn when the specific rule comes first", () => {
    expect(validateConfig({ ...base, rules: [teamRule, hubRule] }, FILE).warnings).toEqual([]);
  });
});

describe("the example configs", () => {
  const dir = fileURLToPath(new URL("../../../config/examples/", import.meta.url));
  const examples = readdirSync(dir).filter((f) => f.endsWith(".yaml"));

  it.each(examples)("%s is valid and warning-free", (file) => {
    const result = validateConfig(parse(readFileSync(join(dir, file), "utf8")), join(dir, file));
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
  });
});
