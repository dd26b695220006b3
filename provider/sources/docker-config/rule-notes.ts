import { isAbsolute, resolve } from "node:path";
import { urlsMatch } from "../../matching/match.js";
import type { SourceSpec } from "../registry.js";
import { type DockerConfigNote, dockerConfigNotes } from "./notes.js";
import { DOCKER_HUB_SERVER, serverURLFor } from "./stores.js";

/** The parts of a rule the credential-store notes need. */
export interface RuleForNotes {
  match: readonly string[];
  source: SourceSpec;
}

/**
 * Which helper server URLs a rule can ask for: its fixed `registry`, else any host its patterns
 * match (a helper missing only for other registries is a warning, not an error).
 */
export function servedBy(
  patterns: readonly string[],
  registry: string | undefined,
): (serverURL: string) => boolean {
  if (registry !== undefined) return (url) => url === serverURLFor(registry);
  return (url) => {
    const host = url === DOCKER_HUB_SERVER ? "docker.io" : url;
    return patterns.some((pattern) => urlsMatch(pattern.split("/")[0] ?? pattern, host));
  };
}

/**
 * Credential-store notes for one rule, or [] when its source is not a docker config or the file
 * cannot be read (`read` gives undefined; reporting that is the caller's file check). `baseDir`
 * resolves a relative path; `root` places helper lookups under an installer's tree.
 */
export async function ruleStoreNotes(
  rule: RuleForNotes,
  baseDir: string,
  read: (path: string) => Promise<Uint8Array | undefined>,
  root?: string,
): Promise<DockerConfigNote[]> {
  const { source } = rule;
  if (source.type !== "dockerConfig") return [];
  const file = isAbsolute(source.path) ? source.path : resolve(baseDir, source.path);
  const bytes = await read(file).catch(() => undefined);
  if (!bytes) return [];
  return dockerConfigNotes(bytes, `docker config ${file}`, {
    credentialHelperDir: source.credentialHelperDir,
    serves: servedBy(rule.match, source.registry),
    ...(root === undefined ? {} : { root }),
  });
}
