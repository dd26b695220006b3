import { PullkeyError, quote } from "../../errors.js";
import { type AwsSecretsManagerSpec, secretArnRegion } from "./spec.js";

/**
 * Environment variables the AWS SDKs read (AWS SDKs and Tools reference, "Service-specific
 * endpoints" and "AWS Region"). Exported so tests and docs use the same names; read at each
 * exec, never at import. The kubelet passes its environment plus the provider's `env` entries.
 */
export const ENV = {
  region: "AWS_REGION",
  defaultRegion: "AWS_DEFAULT_REGION",
  endpoint: "AWS_ENDPOINT_URL",
  secretsManagerEndpoint: "AWS_ENDPOINT_URL_SECRETS_MANAGER",
  stsEndpoint: "AWS_ENDPOINT_URL_STS",
  ignoreConfiguredEndpoints: "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
} as const;

/** Where one fetch goes: always from config and the node's environment, never from the request. */
export interface AwsLocation {
  region: string;
  /** Undefined: the SDK's endpoint for the region. */
  secretsManagerEndpoint?: string;
  stsEndpoint?: string;
}

type Env = Readonly<Record<string, string | undefined>>;

const set = (value: string | undefined) =>
  value === undefined || value === "" ? undefined : value;

/**
 * Resolves region and endpoints. Precedence: the rule's settings, then the region in a secret
 * ARN, then the environment. The JS SDK ignores AWS_DEFAULT_REGION, the CLI reads it; nodes set
 * up for the CLI should work too, so it is honoured here.
 */
export function resolveLocation(spec: AwsSecretsManagerSpec, env: Env): AwsLocation {
  const region =
    spec.region ??
    secretArnRegion(spec.secretId) ??
    set(env[ENV.region]) ??
    set(env[ENV.defaultRegion]);
  if (region === undefined) {
    throw new PullkeyError(
      "CONFIG_INVALID",
      `Secrets Manager secret ${quote(spec.secretId)}: no AWS region: set the source's "region", use the secret's ARN, or set ${ENV.region} in the kubelet's CredentialProviderConfig env`,
    );
  }
  const ignoreEnv = env[ENV.ignoreConfiguredEndpoints]?.toLowerCase() === "true";
  const fromEnv = (specific: string) =>
    ignoreEnv ? undefined : (set(env[specific]) ?? set(env[ENV.endpoint]));
  const secretsManagerEndpoint = spec.endpoint ?? fromEnv(ENV.secretsManagerEndpoint);
  const stsEndpoint = spec.stsEndpoint ?? fromEnv(ENV.stsEndpoint);
  return {
    region,
    ...(secretsManagerEndpoint === undefined ? {} : { secretsManagerEndpoint }),
    ...(stsEndpoint === undefined ? {} : { stsEndpoint }),
  };
}
