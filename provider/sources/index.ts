import { describeAwsSecretsManagerSpec } from "./aws-secrets-manager/describe.js";
import type { CredentialSource, SourceDeps } from "./source.js";
import type { SourceSpec } from "./specs.js";
import { describeVaultSpec, vaultSpecFiles } from "./vault/describe.js";

/**
 * Chooses the source module for a spec. Modules are loaded on demand so that a rule never pays
 * the start-up cost of a backend it does not use (the kubelet execs pullkey on every cache miss).
 */
export async function createSource(spec: SourceSpec, deps: SourceDeps): Promise<CredentialSource> {
  switch (spec.type) {
    case "awsSecretsManager": {
      const { awsSecretsManagerSource } = await import("./aws-secrets-manager/source.js");
      return awsSecretsManagerSource(spec, deps);
    }
    case "dockerConfig": {
      const { dockerConfigSource } = await import("./docker-config/source.js");
      return dockerConfigSource(spec, deps);
    }
    case "static": {
      const { staticSource } = await import("./static/source.js");
      return staticSource(spec, deps);
    }
    case "vault": {
      const { vaultSource } = await import("./vault/source.js");
      return vaultSource(spec, deps);
    }
  }
}

/**
 * Whether answers from this source go through the node-local cache. Only network sources do:
 * a local file (a password file, a docker config) is cheaper to read than a cache entry, and
 * reading it on every exec means an edit or a rotation is seen by the very next pull.
 */
export function sourceIsCached(spec: SourceSpec): boolean {
  return spec.type === "vault" || spec.type === "awsSecretsManager";
}

/** A short label for a spec, used in messages before the source is created. */
export function describeSpec(spec: SourceSpec): string {
  switch (spec.type) {
    case "awsSecretsManager":
      return describeAwsSecretsManagerSpec(spec);
    case "dockerConfig":
      return `dockerConfig ${spec.path}`;
    case "static":
      return `static ${spec.passwordFile}`;
    case "vault":
      return describeVaultSpec(spec);
  }
}

/** The files a spec reads, by field name, so `pullkey validate` can check them. */
export function sourceFiles(spec: SourceSpec): { field: string; path: string }[] {
  switch (spec.type) {
    case "awsSecretsManager":
      return [];
    case "dockerConfig":
      return [{ field: "path", path: spec.path }];
    case "static":
      return [{ field: "passwordFile", path: spec.passwordFile }];
    case "vault":
      return vaultSpecFiles(spec);
  }
}
