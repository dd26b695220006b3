import { describe, expect, it } from "vitest";
import { validateConfig } from "../../../provider/config/validate.js";

const ROLE = "arn:aws:iam::111122223333:role/pull";
const config = (source: Record<string, unknown>) => ({
  apiVersion: "pullkey/v1",
  kind: "PullkeyConfig",
  rules: [
    {
      name: "hub",
      preset: "dockerhub",
      source: { type: "awsSecretsManager", secretId: "hub", ...source },
    },
  ],
});

describe("validating an awsSecretsManager source", () => {
  it.each([
    { name: "a secret name alone", source: {} },
    {
      name: "every setting",
      source: {
        secretId: "arn:aws:secretsmanager:eu-west-1:111122223333:secret:hub-AbCdEf",
        region: "eu-west-1",
        versionStage: "AWSCURRENT",
        endpoint: "https://vpce-1.secretsmanager.eu-west-1.vpce.amazonaws.com",
        stsEndpoint: "https://sts.eu-west-1.amazonaws.com",
        format: "fields",
        fields: { username: "user", password: "token" },
        assumeRole: { roleArn: ROLE, sessionName: "node-pulls", externalId: "ext-123" },
        serviceAccount: {
          roleArn: ROLE,
          roleArnAnnotation: "pullkey.dev/aws-role-arn",
          allowedRoleArns: [ROLE, "arn:aws-cn:iam::111122223333:role/cn"],
          sessionName: "pod-pulls",
          requireToken: true,
        },
      },
    },
  ])("accepts $name", ({ source }) => {
    expect(validateConfig(config(source), "/etc/pullkey/config.yaml").errors).toEqual([]);
  });

  it.each([
    {
      name: "both versionId and versionStage",
      source: { versionId: "v1", versionStage: "AWSPENDING" },
      error: 'rules[0].source.versionId: set at most one of "versionId" or "versionStage"',
    },
    {
      name: "a region that is not one",
      source: { region: "US East" },
      error: "rules[0].source.region: must be an AWS region such as us-east-1",
    },
    {
      name: "a region that contradicts the secret ARN",
      source: {
        secretId: "arn:aws:secretsmanager:eu-west-1:111122223333:secret:hub",
        region: "us-east-1",
      },
      error:
        "rules[0].source.region: differs from the region in the secretId ARN; leave it out or make them agree",
    },
    {
      name: "an endpoint without a scheme",
      source: { endpoint: "vpce.example" },
      error: "rules[0].source.endpoint: must be an http:// or https:// URL",
    },
    {
      name: "field names with a format that ignores them",
      source: { format: "dockerConfigJson", fields: { password: "token" } },
      error: 'rules[0].source.fields: "fields" applies only to format fields or auto',
    },
    {
      name: "a registry with a format that ignores it",
      source: { format: "ecrPullThroughCache", registry: "docker.io" },
      error: 'rules[0].source.registry: "registry" applies only to format dockerConfigJson or auto',
    },
    {
      name: "a role that is not an IAM role ARN",
      source: { assumeRole: { roleArn: "pull" } },
      error:
        "rules[0].source.assumeRole.roleArn: must be an IAM role ARN such as arn:aws:iam::123456789012:role/name",
    },
    {
      name: "a role annotation without an allowlist",
      source: { serviceAccount: { roleArnAnnotation: "pullkey.dev/aws-role-arn" } },
      error:
        'rules[0].source.serviceAccount: "roleArnAnnotation" and "allowedRoleArns" go together: an annotation may only choose from an admin-approved list',
    },
    {
      name: "an allowlist that no annotation uses",
      source: { serviceAccount: { roleArn: ROLE, allowedRoleArns: [ROLE] } },
      error:
        'rules[0].source.serviceAccount: "roleArnAnnotation" and "allowedRoleArns" go together: an annotation may only choose from an admin-approved list',
    },
    {
      name: "a service-account block with no role at all",
      source: { serviceAccount: { requireToken: true } },
      error: 'rules[0].source.serviceAccount: set "roleArn", "roleArnAnnotation" or both',
    },
    {
      name: "an unknown format",
      source: { format: "yaml" },
      error:
        'rules[0].source.format: "yaml" is not supported; must be "auto" or "fields" or "ecrPullThroughCache" or "dockerConfigJson"',
    },
  ])("rejects $name", ({ source, error }) => {
    expect(validateConfig(config(source), "/etc/pullkey/config.yaml").errors).toEqual([error]);
  });
});
