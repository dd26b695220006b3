import { resolve } from "node:path";
import { PullkeyError, quote } from "../../errors.js";
import { readNamedFile } from "../../files.js";
import {
  authsEntries,
  dockerConfigCredential,
  dockerConfigEntries,
  parseDockerConfigDocument,
} from "../shapes/dockerconfigjson.js";
import type { CredentialSource, FetchContext, RegistryCredential, SourceDeps } from "../source.js";
import { helperAnswer, missingHelperMessage } from "./helper-answer.js";
import { runHelperGet } from "./helper-exec.js";
import { findHelper, helperDirs } from "./helper-path.js";
import type { DockerConfigSpec } from "./spec.js";
import { chooseHelper, hasHelpers, readCredentialStores } from "./stores.js";

/**
 * A source that answers from a docker config.json, re-read on every fetch so edits apply at
 * once: from the credential helper docker would run for the registry (`credHelpers`,
 * `credsStore`), else from the inline `auths` entry.
 */
export function dockerConfigSource(spec: DockerConfigSpec, deps: SourceDeps): CredentialSource {
  const file = resolve(deps.baseDir, spec.path);
  const what = `docker config ${file}`;
  return {
    description: `dockerConfig ${file}`,
    async fetch(context) {
      const bytes = await readNamedFile(deps.readFile, file, "docker config", "SOURCE_UNREADABLE");
      const doc = parseDockerConfigDocument(bytes, what);
      const stores = readCredentialStores(doc, what);
      const registry = spec.registry ?? context.registry;
      const choice = chooseHelper(stores, registry);
      if (choice) return fromHelper(spec, deps, context, choice, what);
      const entries = authsEntries(doc, what);
      if (entries.length === 0 && hasHelpers(stores)) {
        const keys = Object.keys(stores.credHelpers).map((k) => quote(k));
        throw new PullkeyError(
          "SOURCE_NO_ENTRY",
          `${what} has no auths entry and no credHelpers entry for registry ${quote(registry)} (credHelpers has ${keys.join(", ")})`,
        );
      }
      return dockerConfigCredential(
        entries.length > 0 ? entries : dockerConfigEntries(doc, what),
        registry,
        what,
      );
    },
  };
}

async function fromHelper(
  spec: DockerConfigSpec,
  deps: SourceDeps,
  context: FetchContext,
  choice: NonNullable<ReturnType<typeof chooseHelper>>,
  what: string,
): Promise<RegistryCredential> {
  const dirs = helperDirs(spec.credentialHelperDir);
  const lookup = await findHelper(choice.name, dirs);
  if (!lookup.found) {
    throw new PullkeyError(
      "SOURCE_UNREADABLE",
      missingHelperMessage(choice, what, dirs, lookup.untrusted),
    );
  }
  const run = await runHelperGet(lookup.path, choice.serverURL, {
    // The source's own entries win, so `pullkey get` in a shell runs the helper as the kubelet does.
    env: { ...deps.env, ...spec.credentialHelperEnv },
    signal: context.signal,
  });
  const answer = helperAnswer(run, choice, what);
  if ("credential" in answer) return answer.credential;
  throw new PullkeyError(
    "SOURCE_NO_ENTRY",
    `${what}: ${choice.via} (${lookup.path}) has no credentials for ${quote(choice.serverURL)}; run docker login for that registry on the node with this helper, or add a credHelpers entry naming a helper that has them`,
  );
}
