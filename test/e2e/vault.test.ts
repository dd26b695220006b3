import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../scripts/peers/vault.mjs";
import { newSecret, secrets, startTestVault, type TestVault } from "../sources/vault/fixture.js";
import { ARTIFACTS, capturedOutputs, type Exec, exec } from "./artifacts.js";
import { expectNoLeaks } from "./leaks.js";
import { ageCacheEntries, stateDirOf } from "./support/age-cache.js";

// The built executables against a real Vault, run the way the kubelet runs them: request on
// stdin, response on stdout, or a non-zero exit with one line on stderr.

let vault: TestVault;
let dir: string;
let faults: Server;
let hub: { username: string; password: string };
let configs = 0;
let childToken = "";

const request = (extra: Record<string, unknown> = {}) =>
  `${JSON.stringify({
    kind: "CredentialProviderRequest",
    apiVersion: "credentialprovider.kubelet.k8s.io/v1",
    image: "docker.io/library/busybox",
    ...extra,
  })}\n`;

beforeAll(async () => {
  vault = await startTestVault();
  dir = mkdtempSync(join(tmpdir(), "pullkey-e2e-vault-"));
  hub = { username: "hub-user", password: newSecret("e2e-hub-password") };
  await vault.writeSecret("secret/registries/dockerhub", hub);
  write("role-id", `${vault.appRole.roleId}\n`);
  write("secret-id", `${vault.appRole.secretId}\n`);
  write("projected.jwt", vault.mintToken({ namespace: "kube-system", name: "pullkey" }));
  const child = await vault.api("POST", "auth/token/create", { policies: ["pull"], ttl: "1h" });
  childToken = child.body.auth.client_token;
  secrets.push(childToken);
  write("vault-token", childToken);
  faults = createServer((req) => {
    // Hangs: what a real Vault behind a broken load balancer can do.
    void req;
  });
  await new Promise<void>((resolve) => faults.listen(0, "127.0.0.1", resolve));
}, 30 * 60_000);

afterAll(async () => {
  expectNoLeaks(capturedOutputs(), secrets);
  faults?.closeAllConnections();
  faults?.close();
  await vault?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text, { mode: 0o600 });
  return path;
}

/** A pullkey config with one Docker Hub rule served by Vault; each gets its own state dir. */
function config(source: Record<string, unknown>, rule: Record<string, unknown> = {}): string {
  const n = ++configs;
  return write(
    `config-${n}.json`,
    JSON.stringify({
      apiVersion: "pullkey/v1",
      kind: "PullkeyConfig",
      stateDir: join(dir, `state-${n}`),
      rules: [
        {
          name: "dockerhub",
          preset: "dockerhub",
          ...rule,
          source: {
            type: "vault",
            address: vault.address,
            secret: { engine: "kv-v2", mount: "secret", path: "registries/dockerhub" },
            ...source,
          },
        },
      ],
    }),
  );
}

function answer(result: Exec): { username: string; password: string; cacheDuration: string } {
  expect(result.stderr).toBe("");
  expect(result.status).toBe(0);
  const response = JSON.parse(result.stdout);
  return { ...response.auth["docker.io"], cacheDuration: response.cacheDuration };
}

const tlsSource = () => ({
  address: vault.tlsAddress,
  tls: {
    caFile: vault.pki.caFile,
    certFile: vault.pki.clientCertFile,
    keyFile: vault.pki.clientKeyFile,
  },
});

const methods: {
  name: string;
  source: () => Record<string, unknown>;
  pod?: true;
  env?: () => Record<string, string>;
}[] = [
  {
    name: "a Vault token file",
    source: () => ({ auth: { method: "token", tokenFile: "vault-token" } }),
  },
  {
    name: "VAULT_TOKEN and VAULT_ADDR from the kubelet's environment",
    source: () => ({ address: undefined, auth: { method: "token" } }),
    env: () => ({
      VAULT_ADDR: vault.address,
      VAULT_TOKEN: childToken,
    }),
  },
  {
    // node-vault and axios's follow-redirects print request headers with DEBUG set.
    name: "AppRole, with DEBUG=* in the kubelet's environment",
    env: () => ({ DEBUG: "*" }),
    source: () => ({
      auth: { method: "appRole", roleIdFile: "role-id", secretIdFile: "secret-id" },
    }),
  },
  {
    name: "JWT auth with a projected token file",
    source: () => ({ auth: { method: "jwt", role: "pullkey", tokenFile: "projected.jwt" } }),
  },
  {
    name: "Kubernetes auth with a projected token file",
    source: () => ({ auth: { method: "kubernetes", role: "pullkey", tokenFile: "projected.jwt" } }),
  },
  {
    name: "JWT auth with the pod's service account token (KEP-4412)",
    source: () => ({ auth: { method: "jwt", role: "pullkey", serviceAccount: true } }),
    pod: true,
  },
  {
    name: "Kubernetes auth with the pod's service account token (KEP-4412)",
    source: () => ({ auth: { method: "kubernetes", role: "pullkey", serviceAccount: true } }),
    pod: true,
  },
  {
    name: "TLS certificate auth",
    source: () => ({ ...tlsSource(), auth: { method: "cert", name: "node" } }),
  },
];

describe.each(ARTIFACTS)("the $name", ({ path }) => {
  it.each(methods)("logs in with $name and answers with the Docker Hub credential", (method) => {
    const file = config(method.source());
    const stdin = method.pod
      ? request({
          serviceAccountToken: vault.mintToken({ namespace: "team-a", name: "builder" }),
          serviceAccountAnnotations: {},
        })
      : request();
    const result = exec(path, ["--config", file], stdin, method.env ? { env: method.env() } : {});
    expect(answer(result)).toMatchObject(hub);
  });
});

describe("rotation", () => {
  it("serves version 2 on the first exec after the cache period, with no pod or node change", async () => {
    const [path] = ARTIFACTS.map((a) => a.path);
    const v1 = newSecret("rotation-v1");
    const v2 = newSecret("rotation-v2");
    await vault.writeSecret("secret/registries/rotating", { username: "hub-user", password: v1 });
    const file = config(
      {
        auth: { method: "appRole", roleIdFile: "role-id", secretIdFile: "secret-id" },
        secret: { engine: "kv-v2", mount: "secret", path: "registries/rotating" },
      },
      { cacheDuration: "1s" },
    );
    const first = answer(exec(path ?? "", ["--config", file], request()));
    expect(first).toMatchObject({ password: v1, cacheDuration: "1s" });
    await vault.writeSecret("secret/registries/rotating", { username: "hub-user", password: v2 });
    // The cache period (1s) has passed, as far as pullkey's cache can tell.
    expect(ageCacheEntries(stateDirOf(file), 1_500)).toBe(1);
    expect(answer(exec(path ?? "", ["--config", file], request())).password).toBe(v2);
  });
});

describe("KEP-4412 service accounts", () => {
  const pathTemplate = 'teams/{{namespace}}/{{annotation "example.io/registry-secret"}}';
  let file = "";
  beforeAll(async () => {
    for (const ns of ["team-a", "team-b"]) {
      await vault.writeSecret(`secret/teams/${ns}/dockerhub`, {
        username: `${ns}-robot`,
        password: newSecret(`${ns}-e2e`),
      });
    }
    file = config({
      auth: { method: "jwt", role: "pullkey", serviceAccount: true },
      secret: { engine: "kv-v2", mount: "secret", path: pathTemplate },
    });
  });
  const podRequest = (namespace: string, secret: string) =>
    request({
      serviceAccountToken: vault.mintToken({ namespace, name: "builder" }),
      serviceAccountAnnotations: { "example.io/registry-secret": secret },
    });

  it.each(ARTIFACTS)(
    "gives two service accounts their own credentials through the $name",
    ({ path }) => {
      const a = answer(exec(path, ["--config", file], podRequest("team-a", "dockerhub")));
      const b = answer(exec(path, ["--config", file], podRequest("team-b", "dockerhub")));
      expect(a.username).toBe("team-a-robot");
      expect(b.username).toBe("team-b-robot");
      expect(a.password).not.toBe(b.password);
    },
  );

  it.each([
    { name: "a parent-directory annotation", value: "../../registries/dockerhub" },
    { name: "an encoded separator", value: "..%2F..%2Fregistries" },
  ])("refuses $name with REQUEST_INVALID and no output", ({ value }) => {
    const [path] = ARTIFACTS.map((a) => a.path);
    const result = exec(path ?? "", ["--config", file], podRequest("team-a", value));
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/^pullkey: REQUEST_INVALID: .*is not a safe secret path segment/);
  });
});

describe("token reuse", () => {
  it("logs in once for many execs of both artifacts sharing a state dir", () => {
    // cacheDuration 0s: no cached answer, so every exec reads from Vault.
    const file = config(
      { auth: { method: "appRole", roleIdFile: "role-id", secretIdFile: "secret-id" } },
      { cacheDuration: "0s" },
    );
    const logins = vault.logins("approle");
    const reads = vault.reads("secret/data/registries/dockerhub");
    for (let i = 0; i < 3; i++) {
      for (const { path } of ARTIFACTS) {
        expect(answer(exec(path, ["--config", file], request()))).toMatchObject(hub);
      }
    }
    expect(vault.logins("approle") - logins).toBe(1);
    expect(vault.reads("secret/data/registries/dockerhub") - reads).toBe(6);
  });
});

describe("failures through the executable", () => {
  let closed = 0;
  beforeAll(async () => {
    closed = await freePort();
    await vault.writeSecret("secret/other/dockerhub", {
      username: "u",
      password: newSecret("e2e-other"),
    });
    await vault.writeSecret("secret/registries/deleted", {
      username: "u",
      password: newSecret("e2e-deleted"),
    });
    await vault.api("DELETE", "secret/data/registries/deleted");
    await vault.writeSecret("secret/registries/limited", {
      username: "u",
      password: newSecret("e2e-limited"),
    });
    await vault.api("POST", "sys/quotas/rate-limit/e2e", {
      path: "secret/data/registries/limited",
      rate: 1,
      interval: "1m",
    });
    // Spends the quota's one request of the minute.
    await vault.api("GET", "secret/data/registries/limited");
  });
  const approle = { method: "appRole", roleIdFile: "role-id", secretIdFile: "secret-id" };
  const rows: {
    name: string;
    source: () => Record<string, unknown>;
    env?: Record<string, string>;
    code: string;
    says: () => string;
  }[] = [
    {
      name: "permission denied",
      source: () => ({
        auth: approle,
        secret: { engine: "kv-v2", mount: "secret", path: "other/dockerhub" },
      }),
      code: "SOURCE_DENIED",
      says: () =>
        `permission denied (403) reading secret/data/other/dockerhub as appRole at auth/approle`,
    },
    {
      name: "a missing secret",
      source: () => ({
        auth: approle,
        secret: { engine: "kv-v2", mount: "secret", path: "registries/nothing" },
      }),
      code: "SOURCE_NOT_FOUND",
      says: () => "no secret (404) while reading secret/data/registries/nothing",
    },
    {
      name: "a deleted version",
      source: () => ({
        auth: approle,
        secret: { engine: "kv-v2", mount: "secret", path: "registries/deleted" },
      }),
      code: "SOURCE_NOT_FOUND",
      says: () => "version 1 was deleted at",
    },
    {
      name: "a rate limit",
      source: () => ({
        auth: approle,
        secret: { engine: "kv-v2", mount: "secret", path: "registries/limited" },
      }),
      code: "SOURCE_UNAVAILABLE",
      says: () => "rate-limited pullkey (429) while reading secret/data/registries/limited",
    },
    {
      name: "a rejected login",
      source: () => ({ auth: { ...approle, roleIdFile: "secret-id" } }),
      code: "SOURCE_AUTH_FAILED",
      says: () => `Vault ${vault.address} rejected the login (400) with appRole at auth/approle`,
    },
    {
      name: "a refused connection",
      source: () => ({ address: `http://127.0.0.1:${closed}`, auth: approle }),
      code: "SOURCE_UNREACHABLE",
      says: () => `cannot reach Vault http://127.0.0.1:${closed} while logging in with appRole`,
    },
    {
      name: "an untrusted certificate, whatever VAULT_SKIP_VERIFY says",
      source: () => ({ address: vault.tlsAddress, auth: approle }),
      env: { VAULT_SKIP_VERIFY: "false" },
      code: "SOURCE_TLS",
      says: () => `TLS to Vault ${vault.tlsAddress} failed while logging in with appRole`,
    },
    {
      name: "a Vault that does not answer",
      source: () => ({
        address: `http://127.0.0.1:${(faults.address() as AddressInfo).port}`,
        timeout: "100ms",
        auth: approle,
      }),
      code: "SOURCE_UNREACHABLE",
      says: () => "did not answer within 100ms while logging in with appRole",
    },
    {
      name: "node-vault debug logging switched on",
      source: () => ({ auth: { ...approle, secretIdFile: "role-id" } }),
      env: { DEBUG: "*" },
      code: "SOURCE_AUTH_FAILED",
      says: () => "rejected the login (400) with appRole",
    },
  ];

  describe.each(ARTIFACTS)("through the $name", ({ path }) => {
    it.each(rows)(
      "reports $name as one line, a non-zero exit and no stdout",
      ({ source, env, code, says }) => {
        const result = exec(path, ["--config", config(source())], request(), env ? { env } : {});
        expect(result.status).toBe(1);
        expect(result.stdout).toBe("");
        expect(result.stderr).toMatch(new RegExp(`^pullkey: ${code}: `));
        expect(result.stderr).toContain(says());
        expect(result.stderr.trimEnd().split("\n")).toHaveLength(1);
      },
    );
  });

  // Last: sealing ends this Vault's useful life.
  it("reports a sealed Vault as unavailable", async () => {
    const file = config({ auth: { method: "token", tokenFile: "vault-token" } });
    expect((await vault.api("PUT", "sys/seal")).status).toBe(204);
    for (const { path } of ARTIFACTS) {
      const result = exec(path, ["--config", file], request());
      expect(result.status).toBe(1);
      expect(result.stdout).toBe("");
      expect(result.stderr).toContain(
        `pullkey: SOURCE_UNAVAILABLE: image "docker.io/library/busybox", rule "dockerhub": Vault ${vault.address} is sealed or in maintenance (503)`,
      );
    }
  });
});
