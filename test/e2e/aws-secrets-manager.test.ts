import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Moto, startMoto } from "../../scripts/peers/moto.mjs";
import {
  assumedRoles,
  createRole,
  createSecret,
  createUser,
  putSecretValue,
  READ_SECRETS,
  REGION,
  serviceAccountToken,
} from "../sources/aws-secrets-manager/moto-fixtures.js";
import { ARTIFACTS, capturedOutputs, type Exec, exec } from "./artifacts.js";
import { expectNoLeaks } from "./leaks.js";
import { ageCacheEntries, stateDirOf } from "./support/age-cache.js";

// The AWS Secrets Manager source through both built executables, run as the kubelet runs them,
// against moto on loopback. moto checks signatures and IAM policies while `enforceAuth` is on, so
// "which credentials read the secret" is decided by real policy evaluation, not by a mock.

const API = "credentialprovider.kubelet.k8s.io/v1";
const IMAGE = "docker.io/library/busybox";
const ROLE_ANNOTATION = "pullkey.dev/aws-role-arn";
const TOKEN = serviceAccountToken("team-a", "builder", "aws-e2e-sa-token-FIXTURE");
const b64 = (text: string) => Buffer.from(text).toString("base64");
const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

/** Every secret value this file stores; none may reach stderr or a failed exec's stdout. */
const SECRETS: string[] = [
  TOKEN,
  "aws-wrong-shape-FIXTURE-0",
  "aws-rotated-FIXTURE-R1",
  "aws-rotated-FIXTURE-R2",
];
const secret = (marker: string) => {
  SECRETS.push(marker);
  return marker;
};

interface FormatCase {
  name: string;
  secretId: string;
  value: string | Uint8Array;
  source?: Record<string, unknown>;
  want: { username: string; password: string };
}

const FORMATS: FormatCase[] = [
  {
    name: 'username/password JSON (the ECS "repositoryCredentials" layout)',
    secretId: "pullkey/fields",
    value: JSON.stringify({ username: "aws-user-1", password: secret("aws-pass-FIXTURE-1") }),
    want: { username: "aws-user-1", password: "aws-pass-FIXTURE-1" },
  },
  {
    name: "JSON with field names set in the rule",
    secretId: "pullkey/custom-fields",
    value: JSON.stringify({ login: "aws-user-2", token: secret("aws-token-FIXTURE-2"), note: "n" }),
    source: { format: "fields", fields: { username: "login", password: "token" } },
    want: { username: "aws-user-2", password: "aws-token-FIXTURE-2" },
  },
  {
    name: "the ECR pull-through-cache layout (username/accessToken)",
    secretId: "ecr-pullthroughcache/docker-hub",
    value: JSON.stringify({ username: "aws-org-3", accessToken: secret("aws-oat-FIXTURE-3") }),
    want: { username: "aws-org-3", password: "aws-oat-FIXTURE-3" },
  },
  {
    name: "a dockerconfigjson with a base64 auth under https://index.docker.io/v1/",
    secretId: "pullkey/dockerconfigjson-auth",
    value: JSON.stringify({
      auths: {
        "https://index.docker.io/v1/": {
          auth: secret(b64(`aws-user-4:${secret("aws-pass-FIXTURE-4")}`)),
        },
      },
    }),
    want: { username: "aws-user-4", password: "aws-pass-FIXTURE-4" },
  },
  {
    name: "a dockerconfigjson with username/password entries",
    secretId: "pullkey/dockerconfigjson-fields",
    value: JSON.stringify({
      auths: {
        "ghcr.io": { username: "other", password: "not-this-one" },
        "docker.io": { username: "aws-user-5", password: secret("aws-pass-FIXTURE-5") },
      },
    }),
    source: { format: "dockerConfigJson" },
    want: { username: "aws-user-5", password: "aws-pass-FIXTURE-5" },
  },
  {
    name: "SecretBinary holding username/password JSON",
    secretId: "pullkey/binary-fields",
    value: bytes({ username: "aws-user-6", password: secret("aws-pass-FIXTURE-6") }),
    want: { username: "aws-user-6", password: "aws-pass-FIXTURE-6" },
  },
  {
    name: "SecretBinary holding a dockerconfigjson",
    secretId: "pullkey/binary-dockerconfigjson",
    value: bytes({
      auths: { "docker.io": { auth: secret(b64(`aws-user-7:${secret("aws-pass-FIXTURE-7")}`)) } },
    }),
    want: { username: "aws-user-7", password: "aws-pass-FIXTURE-7" },
  },
];

let moto: Moto;
let dir: string;
let node: { accessKeyId: string; secretAccessKey: string };
let stranger: { accessKeyId: string; secretAccessKey: string };
let pullerRole: string;
let wrongShapeVersion: string;
let configCount = 0;

/** The environment a node's kubelet would pass, pointing the SDK's standard variables at moto. */
const awsEnv = (credentials = node): Record<string, string> => ({
  AWS_ACCESS_KEY_ID: credentials.accessKeyId,
  AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
  AWS_REGION: REGION,
  AWS_ENDPOINT_URL_SECRETS_MANAGER: moto.endpoint,
  AWS_ENDPOINT_URL_STS: moto.endpoint,
  // Keep the default chain off the developer's files and off instance metadata.
  AWS_CONFIG_FILE: join(dir, "no-aws-config"),
  AWS_SHARED_CREDENTIALS_FILE: join(dir, "no-aws-credentials"),
  AWS_EC2_METADATA_DISABLED: "true",
});

/** Writes a one-rule config for Docker Hub with its own state folder, so no exec shares a cache. */
function writeConfig(
  source: Record<string, unknown>,
  extra: Record<string, unknown> = {},
  top: Record<string, unknown> = {},
): string {
  const n = configCount++;
  const file = join(dir, `config-${n}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      apiVersion: "pullkey/v1",
      kind: "PullkeyConfig",
      stateDir: join(dir, `state-${n}`),
      ...top,
      rules: [
        {
          name: "hub",
          preset: "dockerhub",
          source: { type: "awsSecretsManager", ...source },
          ...extra,
        },
      ],
    }),
  );
  return file;
}

const request = (extra: Record<string, unknown> = {}) =>
  `${JSON.stringify({ kind: "CredentialProviderRequest", apiVersion: API, image: IMAGE, ...extra })}\n`;

/** The credentials the kubelet would use for docker.io, after checking the response's frame. */
function served(result: Exec): { username: string; password: string } | undefined {
  expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: "" });
  const response = JSON.parse(result.stdout);
  expect(response).toMatchObject({
    kind: "CredentialProviderResponse",
    apiVersion: API,
    cacheKeyType: "Registry",
  });
  return response.auth["docker.io"];
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "pullkey-aws-e2e-"));
  moto = await startMoto();
  node = await createUser(moto, "node", READ_SECRETS);
  stranger = await createUser(moto, "stranger");
  SECRETS.push(node.secretAccessKey, stranger.secretAccessKey);
  pullerRole = await createRole(moto, "puller", READ_SECRETS);
  for (const format of FORMATS) await createSecret(moto, format.secretId, format.value);
  wrongShapeVersion = (
    await createSecret(
      moto,
      "pullkey/wrong-shape",
      JSON.stringify({ user: "x", secret: "aws-wrong-shape-FIXTURE-0" }),
    )
  ).versionId;
  await createSecret(
    moto,
    "pullkey/team-a",
    JSON.stringify({ username: "team-a", password: secret("aws-team-FIXTURE-8") }),
  );
  // From here on moto checks every request's signature and IAM policy.
  await moto.enforceAuth(0);
});
afterAll(async () => {
  expectNoLeaks(capturedOutputs(), SECRETS);
  await moto?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe.each(ARTIFACTS)("the $name with an AWS Secrets Manager rule", ({ path }) => {
  it.each(FORMATS)("serves Docker Hub credentials from $name", ({ secretId, source, want }) => {
    const config = writeConfig({ secretId, ...source });
    expect(served(exec(path, ["--config", config], request(), { env: awsEnv() }))).toEqual(want);
  });

  it("serves a rotated secret on the first exec after the cache period", async () => {
    const name = `pullkey/rotating-${configCount}`;
    await moto.enforceAuth(Infinity);
    await createSecret(
      moto,
      name,
      JSON.stringify({ username: "r", password: "aws-rotated-FIXTURE-R1" }),
    );
    await moto.enforceAuth(0);
    const config = writeConfig({ secretId: name }, { cacheDuration: "1s" });
    const run = () => served(exec(path, ["--config", config], request(), { env: awsEnv() }));
    expect(run()).toEqual({ username: "r", password: "aws-rotated-FIXTURE-R1" });
    await moto.enforceAuth(Infinity);
    await putSecretValue(
      moto,
      name,
      JSON.stringify({ username: "r", password: "aws-rotated-FIXTURE-R2" }),
    );
    await moto.enforceAuth(0);
    // The cache period (1s) has passed, as far as pullkey's cache can tell.
    expect(ageCacheEntries(stateDirOf(config), 1_100)).toBe(1);
    expect(run()).toEqual({ username: "r", password: "aws-rotated-FIXTURE-R2" });
  });

  it("assumes the role a service account token selects and reads with that role's credentials", async () => {
    const config = writeConfig({
      secretId: "pullkey/team-a",
      serviceAccount: { roleArnAnnotation: ROLE_ANNOTATION, allowedRoleArns: [pullerRole] },
    });
    const byPod = async () =>
      (await assumedRoles(moto)).filter(
        (r) => r.role === pullerRole && r.session === "pullkey-team-a-builder",
      ).length;
    const before = await byPod();
    // The node's own credentials (stranger) may not read the secret: only the role can.
    // AssumeRoleWithWebIdentity is unsigned, so moto lets one request through unchecked.
    await moto.enforceAuth(1);
    try {
      const result = exec(
        path,
        ["--config", config],
        request({
          serviceAccountToken: TOKEN,
          serviceAccountAnnotations: { [ROLE_ANNOTATION]: pullerRole },
        }),
        { env: awsEnv(stranger) },
      );
      expect(served(result)).toEqual({ username: "team-a", password: "aws-team-FIXTURE-8" });
    } finally {
      await moto.enforceAuth(0);
    }
    expect(await byPod()).toBe(before + 1);
  });

  it("reads with the node's default credentials when the request carries no token", async () => {
    const config = writeConfig({
      secretId: "pullkey/team-a",
      serviceAccount: { roleArn: pullerRole },
    });
    const before = (await assumedRoles(moto)).length;
    expect(served(exec(path, ["--config", config], request(), { env: awsEnv(node) }))).toEqual({
      username: "team-a",
      password: "aws-team-FIXTURE-8",
    });
    expect(await assumedRoles(moto)).toHaveLength(before);
  });

  it("gives up at the exec's deadline when Secrets Manager accepts the connection but never answers", async () => {
    // The kernel completes connections to a listening socket that nobody reads: a wedged endpoint.
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      const config = writeConfig(
        { secretId: "pullkey/fields", endpoint: `http://127.0.0.1:${port}` },
        {},
        { execTimeout: "2s" },
      );
      const started = Date.now();
      const result = exec(path, ["--config", config], request(), { env: awsEnv() });
      expect(Date.now() - started).toBeLessThan(4_500);
      expect(result).toEqual({
        status: 1,
        stdout: "",
        stderr: `pullkey: DEADLINE_EXCEEDED: image "docker.io/library/busybox", rule "hub": source awsSecretsManager pullkey/fields did not answer in time\n`,
      });
    } finally {
      silent.close();
    }
  });

  it.each([
    {
      name: "a secret that does not exist",
      source: () => ({ secretId: "pullkey/missing" }),
      env: () => awsEnv(),
      line: () =>
        'SOURCE_NOT_FOUND: image "docker.io/library/busybox", rule "hub": Secrets Manager secret "pullkey/missing" (region us-east-1, default AWS credentials): Secrets Manager has no such secret or no version labelled "AWSCURRENT" (ResourceNotFoundException, HTTP 404)',
    },
    {
      name: "credentials whose IAM policy does not allow the read",
      source: () => ({ secretId: "pullkey/team-a" }),
      env: () => awsEnv(stranger),
      line: () =>
        'SOURCE_DENIED: image "docker.io/library/busybox", rule "hub": Secrets Manager secret "pullkey/team-a" (region us-east-1, default AWS credentials): access denied: Secrets Manager answered HTTP 403 with a body that is not an AWS error',
    },
    {
      name: "a secret of an unknown shape",
      source: () => ({ secretId: "pullkey/wrong-shape" }),
      env: () => awsEnv(),
      line: () =>
        `SOURCE_FORMAT: image "docker.io/library/busybox", rule "hub": Secrets Manager secret "pullkey/wrong-shape" (region us-east-1, default AWS credentials), version "${wrongShapeVersion}" has an unknown shape (fields: "user", "secret"); expected JSON {"username","password"} (names set by "fields"), the ECR pull-through-cache shape {"username","accessToken"}, or a dockerconfigjson {"auths":{...}}`,
    },
    {
      name: "an endpoint nothing listens on",
      source: () => ({ secretId: "pullkey/fields", endpoint: "http://127.0.0.1:1" }),
      env: () => awsEnv(),
      line: () =>
        'SOURCE_UNREACHABLE: image "docker.io/library/busybox", rule "hub": Secrets Manager secret "pullkey/fields" (region us-east-1, default AWS credentials): cannot reach Secrets Manager at http://127.0.0.1:1: connection refused (ECONNREFUSED)',
    },
    {
      name: "a service-account annotation naming a role outside the allowlist",
      source: () => ({
        secretId: "pullkey/team-a",
        serviceAccount: { roleArnAnnotation: ROLE_ANNOTATION, allowedRoleArns: [pullerRole] },
      }),
      env: () => awsEnv(),
      line: () =>
        'SOURCE_DENIED: image "docker.io/library/busybox", rule "hub": Secrets Manager secret "pullkey/team-a" (region us-east-1): the service account\'s annotation "pullkey.dev/aws-role-arn" names role "arn:aws:iam::999999999999:role/admin", which is not in the rule\'s allowedRoleArns',
    },
  ])(
    "fails on $name with one precise stderr line and nothing on stdout",
    ({ source, env, line }) => {
      const result = exec(
        path,
        ["--config", writeConfig(source())],
        request({
          serviceAccountToken: TOKEN,
          serviceAccountAnnotations: { [ROLE_ANNOTATION]: "arn:aws:iam::999999999999:role/admin" },
        }),
        { env: env() },
      );
      expect(result).toEqual({ status: 1, stdout: "", stderr: `pullkey: ${line()}\n` });
    },
  );
});

describe("loading the AWS SDK", () => {
  // Records what vm compiles: SDK-backed sources are embedded strings compiled on first use.
  const preload = fileURLToPath(new URL("./support/record-lazy-modules.cjs", import.meta.url));
  let staticConfig: string;
  let dockerConfig: string;
  let mixedConfig: string;
  let awsConfig: string;
  let vaultConfig: string;

  beforeAll(() => {
    writeFileSync(join(dir, "hub.token"), "aws-static-FIXTURE-9\n", { mode: 0o600 });
    SECRETS.push("aws-static-FIXTURE-9");
    writeFileSync(
      join(dir, "docker.json"),
      JSON.stringify({
        auths: { "docker.io": { username: "d", password: secret("aws-docker-FIXTURE-10") } },
      }),
      { mode: 0o600 },
    );
    const rules = (...list: object[]) =>
      JSON.stringify({
        apiVersion: "pullkey/v1",
        kind: "PullkeyConfig",
        stateDir: join(dir, "sdk-state"),
        rules: list,
      });
    const staticRule = {
      name: "static",
      match: ["docker.io/team-s"],
      source: { type: "static", username: "s", passwordFile: "hub.token" },
    };
    const awsRule = {
      name: "aws",
      preset: "dockerhub",
      source: { type: "awsSecretsManager", secretId: "pullkey/fields" },
    };
    staticConfig = join(dir, "sdk-static.json");
    writeFileSync(staticConfig, rules({ ...staticRule, match: ["docker.io"] }));
    dockerConfig = join(dir, "sdk-docker.json");
    writeFileSync(
      dockerConfig,
      rules({
        name: "docker",
        preset: "dockerhub",
        source: { type: "dockerConfig", path: "docker.json" },
      }),
    );
    mixedConfig = join(dir, "sdk-mixed.json");
    writeFileSync(mixedConfig, rules(staticRule, awsRule));
    awsConfig = mixedConfig;
    // Nothing listens at this Vault: the exec fails, but only after choosing what to compile.
    vaultConfig = join(dir, "sdk-vault.json");
    writeFileSync(
      vaultConfig,
      rules({
        name: "vault",
        preset: "dockerhub",
        source: {
          type: "vault",
          address: "http://127.0.0.1:1",
          auth: { method: "token", token: secret("vault-token-not-used") },
          secret: { engine: "kv-v2", mount: "secret", path: "hub" },
        },
      }),
    );
  });

  /** Runs an artifact with the recording preload; returns the sources it compiled. */
  function compiledSources(path: string, args: string[], image: string, fails = false): string[] {
    const log = join(dir, `compiles-${configCount++}.log`);
    writeFileSync(log, "");
    const result = exec(path, args, request({ image }), {
      env: { ...awsEnv(), NODE_OPTIONS: `--require ${preload}`, LAZY_MODULES_LOG: log },
    });
    if (fails) {
      expect(result.status).toBe(1);
    } else {
      expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: "" });
    }
    // The config compiler is compiled for any new config; only the sources matter here. A line
    // of the single executable's also says whether the module's code cache was accepted.
    return readFileSync(log, "utf8")
      .split("\n")
      .map((line) => line.split(" ")[0] ?? "")
      .filter((name) => name.startsWith("pullkey-source-"));
  }

  it.each(ARTIFACTS)(
    "compiles the AWS source only for a request an AWS rule answers: not for other sources, validate or a cache hit ($name)",
    ({ path }) => {
      const rows = [
        { name: "static rule", args: ["--config", staticConfig], image: IMAGE, want: [] },
        { name: "dockerConfig rule", args: ["--config", dockerConfig], image: IMAGE, want: [] },
        {
          name: "static rule next to an AWS rule",
          args: ["--config", mixedConfig],
          image: "docker.io/team-s/app",
          want: [],
        },
        {
          name: "validate with an AWS rule",
          args: ["validate", "--config", mixedConfig],
          image: IMAGE,
          want: [],
        },
        {
          name: "Vault rule",
          args: ["--config", vaultConfig],
          image: IMAGE,
          want: ["pullkey-source-vault.cjs"],
          fails: true,
        },
        {
          name: "AWS rule",
          args: ["--config", awsConfig],
          image: IMAGE,
          want: ["pullkey-source-aws-secrets-manager.cjs"],
        },
        {
          name: "AWS rule, answered from the node cache",
          args: ["--config", awsConfig],
          image: IMAGE,
          want: [],
        },
      ];
      rmSync(join(dir, "sdk-state"), { recursive: true, force: true });
      const got = rows.map((row) => ({
        name: row.name,
        compiled: compiledSources(path, row.args, row.image, "fails" in row),
      }));
      expect(got).toEqual(rows.map((row) => ({ name: row.name, compiled: row.want })));
    },
  );
});
