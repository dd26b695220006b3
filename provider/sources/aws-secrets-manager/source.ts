import {
  GetSecretValueCommand,
  SecretsManagerClient,
  type SecretsManagerClientConfig,
} from "@aws-sdk/client-secrets-manager";
import {
  AssumeRoleCommand,
  AssumeRoleWithWebIdentityCommand,
  type Credentials,
  STSClient,
} from "@aws-sdk/client-sts";
import { state as nodeVersionWarning } from "@aws-sdk/core/client";
import { untilAborted } from "../../abort.js";
import { PullkeyError, quote } from "../../errors.js";
import type { CredentialSource, FetchContext, RegistryCredential, SourceDeps } from "../source.js";
import { collectBody } from "./body.js";
import { describeAwsSecretsManagerSpec } from "./describe.js";
import { type AwsCall, describeAwsFailure } from "./failures.js";
import { type AwsIdentity, chooseIdentity, describeIdentity } from "./identity.js";
import { type AwsLocation, resolveLocation } from "./location.js";
import { checkSdkFiles } from "./sdk-files.js";
import { credentialFromSecret } from "./secret-value.js";
import type { AwsSecretsManagerSpec } from "./spec.js";

// This module is the only one that imports the AWS SDK. scripts/build.mjs bundles it on its own
// and compiles it only when a rule uses it, so other rules never pay its start-up cost.

/**
 * Per attempt: connect within 2 s (AWS and VPC endpoints connect in milliseconds) and answer
 * within 5 s. `requestTimeout` alone only logs a warning; `throwOnRequestTimeout` makes it fail
 * the call (shared/reference/backends.md §D.4).
 */
export const HTTP_TIMEOUTS = {
  connectionTimeout: 2_000,
  requestTimeout: 5_000,
  throwOnRequestTimeout: true,
} as const;

/**
 * One attempt per call. The core retries transient failures (unreachable, throttled, 5xx) of the
 * whole fetch within the exec's deadline (core/retry.ts); SDK retries on top would multiply them.
 */
export const MAX_ATTEMPTS = 1;

/** Role credentials live 15 minutes, the least STS allows: they serve one read. */
const ROLE_SESSION_SECONDS = 900;

/** A registry credential plus the secret's VersionId it came from, so a rotation can be traced. */
export interface AwsSecretCredential extends RegistryCredential {
  version?: string;
}

/** Static AWS credentials or a provider of them, as the SDK clients take them. */
export type AwsCredentials = NonNullable<SecretsManagerClientConfig["credentials"]>;

/** Test seams; production uses the SDK's default credential chain. */
export interface AwsDeps {
  /** Replaces the SDK's default credential chain (env, shared config, web identity, IMDS). */
  defaultCredentials?: AwsCredentials;
  /** Replaces HTTP_TIMEOUTS' connect and answer limits (throwing on timeout always stays on). */
  timeouts?: { connectionTimeout: number; requestTimeout: number };
  /**
   * Replaces the SDK's HTTP handler for Secrets Manager: the build's warm-up (provider/warm-up.ts)
   * answers in memory, so it opens no socket and runs alike on every build machine.
   */
  requestHandler?: NonNullable<SecretsManagerClientConfig["requestHandler"]>;
}

/**
 * Reads a registry credential from an AWS Secrets Manager secret. Every fetch reads the secret
 * again (the kubelet's and pullkey's caches decide how often), so a rotated secret reaches the
 * node within one cache duration.
 */
export function awsSecretsManagerSource(
  spec: AwsSecretsManagerSpec,
  deps: SourceDeps,
  aws: AwsDeps = {},
): CredentialSource {
  return {
    description: describeAwsSecretsManagerSpec(spec),
    fetch: (context) => fetchSecret(spec, deps, aws, context),
  };
}

async function fetchSecret(
  spec: AwsSecretsManagerSpec,
  deps: SourceDeps,
  aws: AwsDeps,
  context: FetchContext,
): Promise<AwsSecretCredential> {
  // The SDK warns on every start under Node < 22 (a multi-line stderr message); the kubelet logs
  // pullkey's stderr, which must stay one line. The single executable embeds a current Node.
  nodeVersionWarning.warningEmitted = true;
  const location = resolveLocation(spec, deps.env);
  const where = `Secrets Manager secret ${quote(spec.secretId)} (region ${location.region}`;
  const identity = chooseIdentity(spec, context.serviceAccount, `${where})`);
  const label = `${where}, ${describeIdentity(identity)})`;
  const version = spec.versionId
    ? `version ${quote(spec.versionId)}`
    : `version labelled ${quote(spec.versionStage ?? "AWSCURRENT")}`;
  const secrets = identity.kind === "webIdentity" ? [identity.token] : [];
  await checkSdkFiles(deps.env, label);

  const step = async <T>(call: AwsCall, work: () => Promise<T>): Promise<T> => {
    try {
      // The SDK's abortSignal covers HTTP calls; this also covers credential resolution (IMDS,
      // container endpoints), which does not take a signal.
      return await untilAborted(work(), context.signal, () => context.signal.reason as Error);
    } catch (err) {
      if (err instanceof PullkeyError) throw err;
      throw describeAwsFailure(err, {
        call,
        label,
        endpoint:
          (call === "sts" ? location.stsEndpoint : location.secretsManagerEndpoint) ??
          `the ${location.region} endpoint`,
        version,
        aborted: context.signal.aborted,
        secrets,
      });
    }
  };

  const credentials =
    identity.kind === "default"
      ? aws.defaultCredentials
      : await step("sts", () => roleCredentials(identity, location, aws, context.signal, label));

  const client = new SecretsManagerClient({
    region: location.region,
    ...(location.secretsManagerEndpoint ? { endpoint: location.secretsManagerEndpoint } : {}),
    ...(credentials ? { credentials } : {}),
    maxAttempts: MAX_ATTEMPTS,
    requestHandler: aws.requestHandler ?? { ...HTTP_TIMEOUTS, ...aws.timeouts },
    streamCollector: collectBody,
  });
  try {
    const out = await step("secretsManager", () =>
      client.send(
        new GetSecretValueCommand({
          SecretId: spec.secretId,
          ...(spec.versionId ? { VersionId: spec.versionId } : {}),
          ...(spec.versionStage ? { VersionStage: spec.versionStage } : {}),
        }),
        { abortSignal: context.signal },
      ),
    );
    const what = `${label}, version ${quote(out.VersionId ?? "unknown")}`;
    const credential = credentialFromSecret(out, spec, context.registry, what);
    return out.VersionId ? { ...credential, version: out.VersionId } : credential;
  } finally {
    // Closes keep-alive sockets so the process ends as soon as the answer is written.
    client.destroy();
  }
}

/** Gets short-lived credentials for the role with STS. */
async function roleCredentials(
  identity: Exclude<AwsIdentity, { kind: "default" }>,
  location: AwsLocation,
  aws: AwsDeps,
  signal: AbortSignal,
  label: string,
): Promise<AwsCredentials> {
  const sts = new STSClient({
    region: location.region,
    ...(location.stsEndpoint ? { endpoint: location.stsEndpoint } : {}),
    // AssumeRoleWithWebIdentity is unsigned: the token is the proof, so no node credentials are used.
    ...(identity.kind === "assumeRole" && aws.defaultCredentials
      ? { credentials: aws.defaultCredentials }
      : {}),
    maxAttempts: MAX_ATTEMPTS,
    requestHandler: { ...HTTP_TIMEOUTS, ...aws.timeouts },
    streamCollector: collectBody,
  });
  try {
    const out =
      identity.kind === "assumeRole"
        ? await sts.send(
            new AssumeRoleCommand({
              RoleArn: identity.roleArn,
              RoleSessionName: identity.sessionName,
              DurationSeconds: ROLE_SESSION_SECONDS,
              ...(identity.externalId ? { ExternalId: identity.externalId } : {}),
            }),
            { abortSignal: signal },
          )
        : await sts.send(
            new AssumeRoleWithWebIdentityCommand({
              RoleArn: identity.roleArn,
              RoleSessionName: identity.sessionName,
              WebIdentityToken: identity.token,
              DurationSeconds: ROLE_SESSION_SECONDS,
            }),
            { abortSignal: signal },
          );
    return toIdentity(out.Credentials, label);
  } finally {
    sts.destroy();
  }
}

function toIdentity(credentials: Credentials | undefined, label: string): AwsCredentials {
  if (!credentials?.AccessKeyId || !credentials.SecretAccessKey) {
    throw new PullkeyError("SOURCE_AUTH_FAILED", `${label}: STS answered without credentials`);
  }
  return {
    accessKeyId: credentials.AccessKeyId,
    secretAccessKey: credentials.SecretAccessKey,
    ...(credentials.SessionToken ? { sessionToken: credentials.SessionToken } : {}),
    ...(credentials.Expiration ? { expiration: credentials.Expiration } : {}),
  };
}
