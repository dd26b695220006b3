import { describe, expect, it } from "vitest";
import { PullkeyError } from "../../../provider/errors.js";
import { resolveLocation } from "../../../provider/sources/aws-secrets-manager/location.js";
import type { AwsSecretsManagerSpec } from "../../../provider/sources/aws-secrets-manager/spec.js";

const ARN = "arn:aws:secretsmanager:eu-central-1:111122223333:secret:hub-AbCdEf";
const spec = (extra: Partial<AwsSecretsManagerSpec> = {}): AwsSecretsManagerSpec => ({
  type: "awsSecretsManager",
  secretId: "hub",
  ...extra,
});

describe("where a fetch goes: config over secret ARN over environment", () => {
  it.each<{ name: string; spec: AwsSecretsManagerSpec; env: Record<string, string>; want: object }>(
    [
      {
        name: "the rule's region over the environment",
        spec: spec({ region: "eu-west-1" }),
        env: { AWS_REGION: "us-east-1" },
        want: { region: "eu-west-1" },
      },
      {
        name: "the region in a secret ARN over the environment",
        spec: spec({ secretId: ARN }),
        env: { AWS_REGION: "us-east-1" },
        want: { region: "eu-central-1" },
      },
      {
        name: "AWS_REGION over AWS_DEFAULT_REGION",
        spec: spec(),
        env: { AWS_REGION: "us-west-2", AWS_DEFAULT_REGION: "us-east-1" },
        want: { region: "us-west-2" },
      },
      {
        name: "AWS_DEFAULT_REGION when AWS_REGION is empty",
        spec: spec(),
        env: { AWS_REGION: "", AWS_DEFAULT_REGION: "us-east-1" },
        want: { region: "us-east-1" },
      },
      {
        name: "service-specific endpoint variables over AWS_ENDPOINT_URL",
        spec: spec({ region: "us-east-1" }),
        env: {
          AWS_ENDPOINT_URL: "http://all.example",
          AWS_ENDPOINT_URL_SECRETS_MANAGER: "http://sm.example",
          AWS_ENDPOINT_URL_STS: "http://sts.example",
        },
        want: { secretsManagerEndpoint: "http://sm.example", stsEndpoint: "http://sts.example" },
      },
      {
        name: "AWS_ENDPOINT_URL for both services when nothing more specific is set",
        spec: spec({ region: "us-east-1" }),
        env: { AWS_ENDPOINT_URL: "http://all.example" },
        want: { secretsManagerEndpoint: "http://all.example", stsEndpoint: "http://all.example" },
      },
      {
        name: "the rule's endpoints over the environment",
        spec: spec({
          region: "us-east-1",
          endpoint: "https://vpce-sm.example",
          stsEndpoint: "https://vpce-sts.example",
        }),
        env: {
          AWS_ENDPOINT_URL_SECRETS_MANAGER: "http://sm.example",
          AWS_ENDPOINT_URL_STS: "http://sts.example",
        },
        want: {
          secretsManagerEndpoint: "https://vpce-sm.example",
          stsEndpoint: "https://vpce-sts.example",
        },
      },
    ],
  )("uses $name", ({ spec, env, want }) => {
    expect(resolveLocation(spec, env)).toMatchObject(want);
  });

  it("ignores endpoint variables when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true", () => {
    expect(
      resolveLocation(spec({ region: "us-east-1" }), {
        AWS_ENDPOINT_URL: "http://all.example",
        AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: "true",
      }),
    ).toEqual({ region: "us-east-1" });
  });

  it("fails with a line saying where a region can come from when there is none", () => {
    let caught: unknown;
    try {
      resolveLocation(spec(), {});
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(PullkeyError);
    expect((caught as PullkeyError).message).toBe(
      'Secrets Manager secret "hub": no AWS region: set the source\'s "region", use the secret\'s ARN, or set AWS_REGION in the kubelet\'s CredentialProviderConfig env',
    );
  });
});
