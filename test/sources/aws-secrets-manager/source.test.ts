import { createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PullkeyError } from "../../../provider/errors.js";
import {
  type AwsDeps,
  awsSecretsManagerSource,
} from "../../../provider/sources/aws-secrets-manager/source.js";
import type { AwsSecretsManagerSpec } from "../../../provider/sources/aws-secrets-manager/spec.js";
import type { FetchContext, SourceDeps } from "../../../provider/sources/source.js";
import { type Moto, startMoto } from "../../../scripts/peers/moto.mjs";
import {
  assumedRoles,
  createRole,
  createSecret,
  createUser,
  putSecretValue,
  READ_SECRETS,
  REGION,
  serviceAccountToken,
} from "./moto-fixtures.js";

// The source against moto on loopback, in process: version selection, roles, KEP-4412 role
// choice, timeouts and the deadline. Formats and failures through the built executable are in
// test/e2e/aws-secrets-manager.test.ts.

const CURRENT = { username: "hub-user", password: "aws-src-current-FIXTURE" };
const PENDING = { username: "hub-user", password: "aws-src-pending-FIXTURE" };
const TOKEN = serviceAccountToken("team-a", "puller", "aws-src-sa-token-FIXTURE");

let moto: Moto;
let reader: NonNullable<AwsDeps["defaultCredentials"]>;
let stranger: NonNullable<AwsDeps["defaultCredentials"]>;
let pullerRole: string;
let outsiderRole: string;
let firstVersion: string;
let pendingVersion: string;

const deps = (env: Record<string, string> = {}): SourceDeps => ({
  baseDir: "/nonexistent",
  readFile: () => Promise.reject(new Error("no files")),
  env: { AWS_REGION: REGION, AWS_ENDPOINT_URL: moto.endpoint, ...env },
  now: () => new Date(),
  stateDir: "/nonexistent",
});

const context = (extra: Partial<FetchContext> = {}): FetchContext => ({
  image: "docker.io/library/busybox",
  registry: "docker.io",
  signal: AbortSignal.timeout(15_000),
  ...extra,
});

const spec = (extra: Partial<AwsSecretsManagerSpec> = {}): AwsSecretsManagerSpec => ({
  type: "awsSecretsManager",
  secretId: "hub",
  ...extra,
});

async function failure(promise: Promise<unknown>): Promise<PullkeyError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PullkeyError);
  for (const secret of [CURRENT.password, PENDING.password, TOKEN]) {
    expect((err as Error).message).not.toContain(secret);
  }
  return err as PullkeyError;
}

beforeAll(async () => {
  moto = await startMoto();
  reader = await createUser(moto, "reader", READ_SECRETS);
  stranger = await createUser(moto, "stranger");
  pullerRole = await createRole(moto, "puller", READ_SECRETS);
  outsiderRole = await createRole(moto, "outsider");
  firstVersion = (await createSecret(moto, "hub", JSON.stringify(CURRENT))).versionId;
  pendingVersion = await putSecretValue(moto, "hub", JSON.stringify(PENDING), ["AWSPENDING"]);
});
afterAll(async () => {
  await moto?.stop();
});

describe("the AWS Secrets Manager source against moto", () => {
  it("reads AWSCURRENT with the default credentials and reports the version it read", async () => {
    const source = awsSecretsManagerSource(spec(), deps(), { defaultCredentials: reader });
    expect(await source.fetch(context())).toEqual({ ...CURRENT, version: firstVersion });
  });

  it.each([
    {
      name: "a staging label",
      pick: () => ({ versionStage: "AWSPENDING" }),
      want: () => ({ ...PENDING, version: pendingVersion }),
    },
    {
      name: "a version id",
      pick: () => ({ versionId: firstVersion }),
      want: () => ({ ...CURRENT, version: firstVersion }),
    },
  ])("reads the version that $name selects", async ({ pick, want }) => {
    const source = awsSecretsManagerSource(spec(pick()), deps(), { defaultCredentials: reader });
    expect(await source.fetch(context())).toEqual(want());
  });

  it("assumes the configured role with the default credentials before reading", async () => {
    const source = awsSecretsManagerSource(
      spec({ assumeRole: { roleArn: pullerRole, sessionName: "node-pull" } }),
      deps(),
      { defaultCredentials: reader },
    );
    expect(await source.fetch(context())).toMatchObject(CURRENT);
    expect(await assumedRoles(moto)).toContainEqual({ role: pullerRole, session: "node-pull" });
  });

  it("exchanges the pod's token for the role its annotation names when the rule allows that role", async () => {
    const source = awsSecretsManagerSource(
      spec({
        serviceAccount: {
          roleArnAnnotation: "pullkey.dev/aws-role-arn",
          allowedRoleArns: [pullerRole],
        },
      }),
      deps(),
      { defaultCredentials: stranger },
    );
    const serviceAccount = {
      token: TOKEN,
      annotations: { "pullkey.dev/aws-role-arn": pullerRole },
    };
    expect(await source.fetch(context({ serviceAccount }))).toMatchObject(CURRENT);
    expect(await assumedRoles(moto)).toContainEqual({
      role: pullerRole,
      session: "pullkey-team-a-puller",
    });
  });

  it("refuses an annotated role outside allowedRoleArns without calling STS", async () => {
    const before = await assumedRoles(moto);
    const source = awsSecretsManagerSource(
      spec({
        serviceAccount: {
          roleArn: pullerRole,
          roleArnAnnotation: "pullkey.dev/aws-role-arn",
          allowedRoleArns: [pullerRole],
        },
      }),
      deps(),
    );
    const serviceAccount = {
      token: TOKEN,
      annotations: { "pullkey.dev/aws-role-arn": "arn:aws:iam::999999999999:role/admin" },
    };
    const err = await failure(source.fetch(context({ serviceAccount })));
    expect(err.code).toBe("SOURCE_DENIED");
    expect(err.message).toBe(
      'Secrets Manager secret "hub" (region us-east-1): the service account\'s annotation "pullkey.dev/aws-role-arn" names role "arn:aws:iam::999999999999:role/admin", which is not in the rule\'s allowedRoleArns',
    );
    expect(await assumedRoles(moto)).toEqual(before);
  });

  it("denies a role whose IAM policy does not allow reading the secret", async () => {
    // moto checks signatures and IAM policies from the second request on: the first is the
    // (unsigned) AssumeRoleWithWebIdentity, the second the read with the role's credentials.
    await moto.enforceAuth(1);
    try {
      const source = awsSecretsManagerSource(
        spec({ serviceAccount: { roleArn: outsiderRole } }),
        deps(),
      );
      const err = await failure(
        source.fetch(context({ serviceAccount: { token: TOKEN, annotations: {} } })),
      );
      expect(err.code).toBe("SOURCE_DENIED");
      expect(err.message).toContain(
        `role ${outsiderRole} (from config) assumed with the pod's service account token`,
      );
    } finally {
      await moto.enforceAuth(Infinity);
    }
  });

  it("fails with SOURCE_AUTH_FAILED when the rule requires a token and the request has none", async () => {
    const source = awsSecretsManagerSource(
      spec({ serviceAccount: { roleArn: pullerRole, requireToken: true } }),
      deps(),
    );
    expect((await failure(source.fetch(context()))).code).toBe("SOURCE_AUTH_FAILED");
  });
});

describe("the AWS Secrets Manager source's time limits", () => {
  let silent: Server;
  let silentUrl: string;
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    // Accepts connections and never answers: what a wedged proxy or a black-holed endpoint does.
    silent = createServer((socket) => {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const address = silent.address();
    silentUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  it("gives up on a call that gets no answer within the request timeout", async () => {
    const source = awsSecretsManagerSource(spec({ endpoint: silentUrl }), deps(), {
      defaultCredentials: reader,
      timeouts: { connectionTimeout: 500, requestTimeout: 300 },
    });
    const started = Date.now();
    const err = await failure(source.fetch(context()));
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(err.code).toBe("SOURCE_UNREACHABLE");
    expect(err.message).toBe(
      `Secrets Manager secret "hub" (region us-east-1, default AWS credentials): cannot reach Secrets Manager at ${silentUrl} (no answer in time)`,
    );
  });

  it("stops at the exec's deadline even when the call's own timeout is longer", async () => {
    const source = awsSecretsManagerSource(spec({ endpoint: silentUrl }), deps(), {
      defaultCredentials: reader,
    });
    const started = Date.now();
    const err = await failure(source.fetch(context({ signal: AbortSignal.timeout(300) })));
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(err.code).toBe("DEADLINE_EXCEEDED");
  });

  it("names the endpoint when nothing listens there", async () => {
    const source = awsSecretsManagerSource(spec({ endpoint: "http://127.0.0.1:1" }), deps(), {
      defaultCredentials: reader,
    });
    const err = await failure(source.fetch(context()));
    expect(err.code).toBe("SOURCE_UNREACHABLE");
    expect(err.message).toBe(
      'Secrets Manager secret "hub" (region us-east-1, default AWS credentials): cannot reach Secrets Manager at http://127.0.0.1:1: connection refused (ECONNREFUSED)',
    );
  });
});
