import { resolve } from "node:path";
import { PullkeyError, quote } from "../../errors.js";
import { readNamedFile } from "../../files.js";
import type { CredentialSource, SourceDeps } from "../source.js";
import { entryCredential, findEntry, parseDockerConfig } from "./parse.js";
import type { DockerConfigSpec } from "./spec.js";

/** A source that answers from a docker config.json, re-read on every fetch so edits apply at once. */
export function dockerConfigSource(spec: DockerConfigSpec, deps: SourceDeps): CredentialSource {
  const file = resolve(deps.baseDir, spec.path);
  return {
    description: `dockerConfig ${file}`,
    async fetch(context) {
      const bytes = await readNamedFile(deps.readFile, file, "docker config", "SOURCE_UNREADABLE");
      const entries = parseDockerConfig(bytes, file);
      const registry = spec.registry ?? context.registry;
      const entry = findEntry(entries, registry);
      if (!entry) {
        const known = [...new Set(entries.map((e) => e.registry))].map((r) => quote(r)).join(", ");
        throw new PullkeyError(
          "SOURCE_NO_ENTRY",
          `docker config ${file} has no auths entry for registry ${quote(registry)} (it has ${known})`,
        );
      }
      return entryCredential(entry, file);
    },
  };
}
