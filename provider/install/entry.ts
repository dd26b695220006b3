import type { ProviderEntry } from "./kubelet-config/document.js";
import type { ExecEnvVar } from "./kubelet-config/schema.js";

/**
 * Environment variables the provider entry sets to "" (the kubelet appends the entry's `env`
 * to its own environment, and the last value wins, kubelet-protocol.md §3.2). pullkey is a Node
 * program, and the kubelet passes its whole environment on:
 * - NODE_OPTIONS can load code (`--require`) into every exec: code injection as root;
 * - NODE_EXTRA_CA_CERTS makes every exec read and parse a CA bundle (≈85 ms, packaging.md);
 *   pullkey's own config says which CAs a backend needs;
 * - NODE_TLS_REJECT_UNAUTHORIZED=0 would switch off TLS verification to Vault or AWS;
 * - NODE_DEBUG and NODE_V8_COVERAGE write debug output or files on every exec.
 * An empty value is the same as unset for each of them.
 */
export const NEUTRALISED_ENV = [
  "NODE_OPTIONS",
  "NODE_EXTRA_CA_CERTS",
  "NODE_TLS_REJECT_UNAUTHORIZED",
  "NODE_DEBUG",
  "NODE_V8_COVERAGE",
] as const;

export interface TokenOptions {
  audience: string;
  cacheType: "ServiceAccount" | "Token";
  requireServiceAccount: boolean;
  requiredAnnotationKeys: string[];
  optionalAnnotationKeys: string[];
}

export interface EntryOptions {
  name: string;
  matchImages: string[];
  defaultCacheDuration: string;
  apiVersion: string;
  /** Absolute path of pullkey's own config, passed as `--config`. */
  pullkeyConfig: string;
  /** Extra NAME=VALUE entries, after the neutralised ones (a later entry wins). */
  env: ExecEnvVar[];
  /** Names of neutralised variables the operator wants passed through after all. */
  keepEnv: string[];
  token?: TokenOptions | undefined;
}

/** The kubelet CredentialProviderConfig entry for pullkey, fields in the kubelet's order. */
export function buildProviderEntry(options: EntryOptions): ProviderEntry {
  const neutralised = NEUTRALISED_ENV.filter((name) => !options.keepEnv.includes(name)).map(
    (name) => ({ name, value: "" }),
  );
  const env = [
    ...neutralised.filter((e) => !options.env.some((o) => o.name === e.name)),
    ...options.env,
  ];
  const token = options.token;
  return {
    name: options.name,
    matchImages: options.matchImages,
    defaultCacheDuration: options.defaultCacheDuration,
    apiVersion: options.apiVersion,
    args: ["--config", options.pullkeyConfig],
    ...(env.length > 0 ? { env } : {}),
    ...(token
      ? {
          tokenAttributes: {
            serviceAccountTokenAudience: token.audience,
            cacheType: token.cacheType,
            requireServiceAccount: token.requireServiceAccount,
            ...(token.requiredAnnotationKeys.length > 0
              ? { requiredServiceAccountAnnotationKeys: token.requiredAnnotationKeys }
              : {}),
            ...(token.optionalAnnotationKeys.length > 0
              ? { optionalServiceAccountAnnotationKeys: token.optionalAnnotationKeys }
              : {}),
          },
        }
      : {}),
  };
}
