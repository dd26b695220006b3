import { describe, expect, it } from "vitest";
import { PullkeyError } from "../../../provider/errors.js";
import {
  chooseIdentity,
  sessionNameFor,
} from "../../../provider/sources/aws-secrets-manager/identity.js";
import type { AwsSecretsManagerSpec } from "../../../provider/sources/aws-secrets-manager/spec.js";
import type { ServiceAccountContext } from "../../../provider/sources/source.js";
import { serviceAccountToken } from "./moto-fixtures.js";

const LABEL = 'Secrets Manager secret "hub" (region us-east-1)';
const PULL = "arn:aws:iam::111122223333:role/pull";
const TEAM = "arn:aws:iam::111122223333:role/team-a";
const EVIL = "arn:aws:iam::999999999999:role/admin";
const KEY = "pullkey.dev/aws-role-arn";
const TOKEN = serviceAccountToken("team-a", "builder", "identity-test");

const spec = (extra: Partial<AwsSecretsManagerSpec>): AwsSecretsManagerSpec => ({
  type: "awsSecretsManager",
  secretId: "hub",
  ...extra,
});
const sa = (annotations: Record<string, string> = {}): ServiceAccountContext => ({
  token: TOKEN,
  annotations,
});

describe("choosing whose AWS credentials read the secret", () => {
  it.each<{ name: string; spec: AwsSecretsManagerSpec; sa?: ServiceAccountContext; want: object }>([
    {
      name: "the default chain when nothing else is configured",
      spec: spec({}),
      sa: sa(),
      want: { kind: "default" },
    },
    {
      name: "the configured role, assumed with the default chain",
      spec: spec({ assumeRole: { roleArn: PULL, externalId: "ext-1" } }),
      want: { kind: "assumeRole", roleArn: PULL, sessionName: "pullkey", externalId: "ext-1" },
    },
    {
      name: "the default chain (and assumeRole) for a request without a token, e.g. a static pod",
      spec: spec({ assumeRole: { roleArn: PULL }, serviceAccount: { roleArn: TEAM } }),
      want: { kind: "assumeRole", roleArn: PULL, sessionName: "pullkey" },
    },
    {
      name: "the service-account role from config for a request with a token",
      spec: spec({ assumeRole: { roleArn: PULL }, serviceAccount: { roleArn: TEAM } }),
      sa: sa(),
      want: {
        kind: "webIdentity",
        roleArn: TEAM,
        sessionName: "pullkey-team-a-builder",
        token: TOKEN,
        chosenBy: "config",
      },
    },
    {
      name: "the annotated role when it is in allowedRoleArns",
      spec: spec({
        serviceAccount: { roleArn: PULL, roleArnAnnotation: KEY, allowedRoleArns: [PULL, TEAM] },
      }),
      sa: sa({ [KEY]: TEAM }),
      want: { kind: "webIdentity", roleArn: TEAM, chosenBy: `annotation "${KEY}"` },
    },
    {
      name: "the config role when the optional annotation is absent",
      spec: spec({
        serviceAccount: { roleArn: PULL, roleArnAnnotation: KEY, allowedRoleArns: [TEAM] },
      }),
      sa: sa({ other: TEAM }),
      want: { kind: "webIdentity", roleArn: PULL, chosenBy: "config" },
    },
    {
      name: "the configured session name over the one from the token",
      spec: spec({ serviceAccount: { roleArn: TEAM, sessionName: "pulls" } }),
      sa: sa(),
      want: { kind: "webIdentity", sessionName: "pulls" },
    },
  ])("uses $name", ({ spec, sa, want }) => {
    expect(chooseIdentity(spec, sa, LABEL)).toMatchObject(want);
  });

  it.each<{
    name: string;
    spec: AwsSecretsManagerSpec;
    sa?: ServiceAccountContext;
    code: string;
    message: string;
  }>([
    {
      name: "an annotated role outside allowedRoleArns, even with a config role to fall back on",
      spec: spec({
        serviceAccount: { roleArn: PULL, roleArnAnnotation: KEY, allowedRoleArns: [TEAM] },
      }),
      sa: sa({ [KEY]: EVIL }),
      code: "SOURCE_DENIED",
      message: `${LABEL}: the service account's annotation "${KEY}" names role "${EVIL}", which is not in the rule's allowedRoleArns`,
    },
    {
      name: "an annotated role that differs from an allowed one only by case",
      spec: spec({ serviceAccount: { roleArnAnnotation: KEY, allowedRoleArns: [TEAM] } }),
      sa: sa({ [KEY]: TEAM.toUpperCase() }),
      code: "SOURCE_DENIED",
      message: `${LABEL}: the service account's annotation "${KEY}" names role "${TEAM.toUpperCase()}", which is not in the rule's allowedRoleArns`,
    },
    {
      name: "a missing annotation with no config role",
      spec: spec({ serviceAccount: { roleArnAnnotation: KEY, allowedRoleArns: [TEAM] } }),
      sa: sa(),
      code: "SOURCE_DENIED",
      message: `${LABEL}: the service account has no annotation "${KEY}" naming a role and the rule sets no serviceAccount.roleArn; have the kubelet pass the annotation (tokenAttributes.requiredServiceAccountAnnotationKeys)`,
    },
    {
      name: "a missing token when the rule requires one",
      spec: spec({ serviceAccount: { roleArn: TEAM, requireToken: true } }),
      code: "SOURCE_AUTH_FAILED",
      message: `${LABEL}: the request has no service account token and the rule requires one (serviceAccount.requireToken); the kubelet sends it only when its provider config has tokenAttributes (KEP-4412)`,
    },
  ])("refuses $name", ({ spec, sa, code, message }) => {
    let caught: unknown;
    try {
      chooseIdentity(spec, sa, LABEL);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(PullkeyError);
    expect({
      code: (caught as PullkeyError).code,
      message: (caught as PullkeyError).message,
    }).toEqual({ code, message });
  });
});

describe("naming the STS session after the pod's service account", () => {
  it.each([
    {
      name: "namespace and name from the token's claims",
      token: TOKEN,
      want: "pullkey-team-a-builder",
    },
    { name: "the default for a token that is not a JWT", token: "opaque-token", want: "pullkey" },
    {
      name: "at most 64 characters",
      token: serviceAccountToken("n".repeat(63), "s".repeat(63), "x"),
      want: `pullkey-${"n".repeat(56)}`,
    },
  ])("uses $name", ({ token, want }) => {
    expect(sessionNameFor(token)).toBe(want);
  });
});
