import { resolve } from "node:path";
import { readNamedFile } from "../../files.js";
import { dockerConfigCredential, parseDockerConfig } from "../shapes/dockerconfigjson.js";
import type { CredentialSource, SourceDeps } from "../source.js";
import type { DockerConfigSpec } from "./spec.js";

/** A source that answers from a docker config.json, re-read on every fetch so edits apply at once. */
export function dockerConfigSource(spec: DockerConfigSpec, deps: SourceDeps): CredentialSource {
  const file = resolve(deps.baseDir, spec.path);
  return {
    description: `dockerConfig ${file}`,
    async fetch(context) {
      const bytes = await readNamedFile(deps.readFile, file, "docker config", "SOURCE_UNREADABLE");
      const what = `docker config ${file}`;
      return dockerConfigCredential(
        parseDockerConfig(bytes, what),
        spec.registry ?? context.registry,
        what,
      );
    },
  };
}
