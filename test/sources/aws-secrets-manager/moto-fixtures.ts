import {
  CreateSecretCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import type { Moto } from "../../../scripts/peers/moto.mjs";

/** moto's default account and the region the tests use. */
export const ACCOUNT = "123456789012";
export const REGION = "us-east-1";

/** Lets a principal read any secret; moto matches IAM resources against "*" only. */
export const READ_SECRETS = {
  Version: "2012-10-17",
  Statement: [
    { Effect: "Allow", Action: ["secretsmanager:GetSecretValue", "sts:AssumeRole"], Resource: "*" },
  ],
};

/** Trusts web identities and the account's users, as an IRSA role plus a cross-role would. */
const TRUST = {
  Version: "2012-10-17",
  Statement: [
    {
      Effect: "Allow",
      Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/oidc.example/cluster` },
      Action: "sts:AssumeRoleWithWebIdentity",
    },
    {
      Effect: "Allow",
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
      Action: "sts:AssumeRole",
    },
  ],
};

/** Calls moto's IAM (query protocol) while it does not check signatures. */
async function iam(moto: Moto, params: Record<string, string>): Promise<string> {
  const response = await fetch(`${moto.endpoint}/`, {
    method: "POST",
    body: new URLSearchParams({ ...params, Version: "2010-05-08" }).toString(),
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      authorization: `AWS4-HMAC-SHA256 Credential=AKIASETUP/20260101/${REGION}/iam/aws4_request, SignedHeaders=host, Signature=setup`,
    },
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`IAM ${params["Action"]}: HTTP ${response.status}: ${text}`);
  return text;
}

/** An IAM user with an access key and, optionally, an inline policy. */
export async function createUser(
  moto: Moto,
  name: string,
  policy?: object,
): Promise<{ accessKeyId: string; secretAccessKey: string }> {
  await iam(moto, { Action: "CreateUser", UserName: name });
  if (policy) {
    await iam(moto, {
      Action: "PutUserPolicy",
      UserName: name,
      PolicyName: "pullkey-test",
      PolicyDocument: JSON.stringify(policy),
    });
  }
  const key = await iam(moto, { Action: "CreateAccessKey", UserName: name });
  const accessKeyId = /<AccessKeyId>([^<]+)</.exec(key)?.[1];
  const secretAccessKey = /<SecretAccessKey>([^<]+)</.exec(key)?.[1];
  if (!accessKeyId || !secretAccessKey) throw new Error(`CreateAccessKey for ${name}: ${key}`);
  return { accessKeyId, secretAccessKey };
}

/** An IAM role with the test trust policy and, optionally, an inline policy; returns its ARN. */
export async function createRole(moto: Moto, name: string, policy?: object): Promise<string> {
  await iam(moto, {
    Action: "CreateRole",
    RoleName: name,
    AssumeRolePolicyDocument: JSON.stringify(TRUST),
  });
  if (policy) {
    await iam(moto, {
      Action: "PutRolePolicy",
      RoleName: name,
      PolicyName: "pullkey-test",
      PolicyDocument: JSON.stringify(policy),
    });
  }
  return `arn:aws:iam::${ACCOUNT}:role/${name}`;
}

function admin(moto: Moto): SecretsManagerClient {
  // The test process runs the SDK on Node 20, where it prints a multi-line support warning.
  process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] = "true";
  return new SecretsManagerClient({
    region: REGION,
    endpoint: moto.endpoint,
    credentials: { accessKeyId: "AKIASETUP", secretAccessKey: "setup" },
  });
}

const payload = (value: string | Uint8Array) =>
  typeof value === "string" ? { SecretString: value } : { SecretBinary: value };

/** Creates a secret; returns its ARN and first version id. */
export async function createSecret(
  moto: Moto,
  name: string,
  value: string | Uint8Array,
): Promise<{ arn: string; versionId: string }> {
  const client = admin(moto);
  try {
    const out = await client.send(new CreateSecretCommand({ Name: name, ...payload(value) }));
    return { arn: out.ARN ?? "", versionId: out.VersionId ?? "" };
  } finally {
    client.destroy();
  }
}

/** Puts a new version (AWSCURRENT unless stages are given); returns its version id. */
export async function putSecretValue(
  moto: Moto,
  name: string,
  value: string | Uint8Array,
  stages?: string[],
): Promise<string> {
  const client = admin(moto);
  try {
    const out = await client.send(
      new PutSecretValueCommand({
        SecretId: name,
        ...payload(value),
        ...(stages ? { VersionStages: stages } : {}),
      }),
    );
    return out.VersionId ?? "";
  } finally {
    client.destroy();
  }
}

/** The roles moto's STS has handed out credentials for, as recorded in its model data. */
export async function assumedRoles(moto: Moto): Promise<{ role: string; session: string }[]> {
  const response = await fetch(`${moto.endpoint}/moto-api/data.json`);
  const data = (await response.json()) as {
    sts?: { AssumedRole?: { role_arn: string; session_name: string }[] };
  };
  return (data.sts?.AssumedRole ?? []).map((r) => ({ role: r.role_arn, session: r.session_name }));
}

/** A service account token shaped like the kubelet's (unsigned: moto does not verify it). */
export function serviceAccountToken(namespace: string, name: string, marker: string): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return [
    part({ alg: "RS256", kid: "test" }),
    part({
      aud: ["sts.amazonaws.com"],
      sub: `system:serviceaccount:${namespace}:${name}`,
      "kubernetes.io": { namespace, serviceaccount: { name, uid: "0000-1111" } },
    }),
    Buffer.from(marker).toString("base64url"),
  ].join(".");
}
