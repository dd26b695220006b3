import { defineSource } from "../descriptor.js";
import { describeAwsSecretsManagerSpec } from "./describe.js";
import { type AwsSecretsManagerSpec, awsSecretsManagerSpec } from "./spec.js";

/** AWS Secrets Manager: a network source with the AWS SDK behind it. */
export const awsSecretsManager = defineSource<AwsSecretsManagerSpec>({
  type: "awsSecretsManager",
  schema: awsSecretsManagerSpec,
  folder: "aws-secrets-manager",
  cached: true,
  lazy: true,
  describe: describeAwsSecretsManagerSpec,
  // The SDK reads its own files (AWS_CONFIG_FILE ...); source.ts checks them before each call.
  files: () => [],
  load: async () => {
    const { awsSecretsManagerSource } = await import("./source.js");
    return (spec, deps) => awsSecretsManagerSource(spec, deps);
  },
});
