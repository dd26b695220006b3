import type { Moto } from "../../scripts/peers/moto.mjs";
import {
  createSecret,
  createUser,
  READ_SECRETS,
  REGION,
} from "../sources/aws-secrets-manager/moto-fixtures.js";

// What the Go harness's AWS scenarios need (aws_test.go, awsFixture), put into moto before the
// kubelet runs: the node's IAM user, the Docker Hub secret in the node's account, and, for
// KEP-4412, one role per team in the team's own account, where the same secret name holds the
// team's credential. moto hands out an assumed role's credentials in the role's account, so the
// secret pullkey reads proves which role it assumed.

/** The JSON the harness reads from PULLKEY_CONFORMANCE_AWS. */
export interface AwsFixture {
  endpoint: string;
  region: string;
  node: { accessKeyId: string; secretAccessKey: string };
  secretId: string;
  nodeCredential: { username: string; password: string };
  roleAnnotation: string;
  teams: {
    namespace: string;
    serviceAccount: string;
    roleArn: string;
    credential: { username: string; password: string };
  }[];
}

const SECRET_ID = "pullkey/dockerhub";
const TEAMS = [
  { namespace: "team-a", account: "111111111111" },
  { namespace: "team-b", account: "222222222222" },
];

/** Trusts the cluster's service account issuer (moto does not evaluate trust policies). */
const TRUST = {
  Version: "2012-10-17",
  Statement: [
    {
      Effect: "Allow",
      Principal: { Federated: "arn:aws:iam::111122223333:oidc-provider/oidc.example/cluster" },
      Action: "sts:AssumeRoleWithWebIdentity",
    },
  ],
};

/** A request to moto in `account` (moto's x-moto-account-id header), while it checks nothing. */
async function inAccount(
  moto: Moto,
  account: string,
  service: string,
  headers: Record<string, string>,
  body: string,
): Promise<string> {
  const response = await fetch(`${moto.endpoint}/`, {
    method: "POST",
    body,
    headers: {
      ...headers,
      "x-moto-account-id": account,
      authorization: `AWS4-HMAC-SHA256 Credential=AKIASETUP/20260101/${REGION}/${service}/aws4_request, SignedHeaders=host, Signature=setup`,
    },
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${service} in ${account}: HTTP ${response.status}: ${text}`);
  return text;
}

const iam = (moto: Moto, account: string, params: Record<string, string>) =>
  inAccount(
    moto,
    account,
    "iam",
    { "content-type": "application/x-www-form-urlencoded" },
    new URLSearchParams({ ...params, Version: "2010-05-08" }).toString(),
  );

/** Puts the harness's AWS world into a fresh moto and describes it for the harness. */
export async function setUpAwsFixture(moto: Moto): Promise<AwsFixture> {
  const node = await createUser(moto, "conformance-node", READ_SECRETS);
  const nodeCredential = { username: "aws-node-user", password: "aws-node-FIXTURE" };
  await createSecret(moto, SECRET_ID, JSON.stringify(nodeCredential));
  const teams: AwsFixture["teams"] = [];
  for (const { namespace, account } of TEAMS) {
    const role = `${namespace}-puller`;
    await iam(moto, account, {
      Action: "CreateRole",
      RoleName: role,
      AssumeRolePolicyDocument: JSON.stringify(TRUST),
    });
    await iam(moto, account, {
      Action: "PutRolePolicy",
      RoleName: role,
      PolicyName: "read-secrets",
      PolicyDocument: JSON.stringify(READ_SECRETS),
    });
    const credential = { username: `aws-${namespace}`, password: `aws-${namespace}-FIXTURE` };
    await inAccount(
      moto,
      account,
      "secretsmanager",
      {
        "content-type": "application/x-amz-json-1.1",
        "x-amz-target": "secretsmanager.CreateSecret",
      },
      JSON.stringify({ Name: SECRET_ID, SecretString: JSON.stringify(credential) }),
    );
    teams.push({
      namespace,
      serviceAccount: "builder",
      roleArn: `arn:aws:iam::${account}:role/${role}`,
      credential,
    });
  }
  return {
    endpoint: moto.endpoint,
    region: REGION,
    node,
    secretId: SECRET_ID,
    nodeCredential,
    roleAnnotation: "pullkey.dev/aws-role-arn",
    teams,
  };
}
