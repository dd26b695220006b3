import type { AwsSecretsManagerSpec } from "./spec.js";

/** Names the source in messages and `pullkey validate` output; never needs the SDK. */
export function describeAwsSecretsManagerSpec(spec: AwsSecretsManagerSpec): string {
  return `awsSecretsManager ${spec.secretId}${spec.region ? ` (${spec.region})` : ""}`;
}
