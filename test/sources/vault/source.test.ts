import {
  chmodSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as z from "zod/mini";
import { errorLine, PullkeyError } from "../../../provider/errors.js";
import type {
  FetchContext,
  RegistryCredential,
  SourceDeps,
} from "../../../provider/sources/source.js";
import { vaultSource } from "../../../provider/sources/vault/source.js";
import { type VaultSpec, vaultSpec } from "../../../provider/sources/vault/spec.js";
import { freePort } from "../../../scripts/peers/vault.mjs";
import { newSecret, secrets, startTestVault, type TestVault } from "./fixture.js";

// The vault source against a real Vault (scripts/peers/vault.mjs), one instance for the file.
// Each fetch builds a new source with a fresh exec's view, as the kubelet runs one exec per
// pull; token reuse across "execs" goes through the state dir, as it does on a node.

let vault: TestVault;
let dir: string;
let hub: { username: string; password: string };
let stateCount = 0;
const errorLines: string[] = [];

beforeAll(async () => {
  vault = await startTestVault();
  dir = mkdtempSync(join(tmpdir(), "pullkey-vault-source-"));
  hub = { username: "hub-user", password: newSecret("hub-password") };
  await vault.writeSecret("secret/registries/dockerhub", hub);
  await vault.writeSecret("kv1/registries/dockerhub", {
    username: "hub-user-v1",
    password: hub.password,
  });
  file("role-id", `${vault.appRole.roleId}\n`);
  file("secret-id", `${vault.appRole.secretId}\n`);
  const child = await vault.api("POST", "auth/token/create", { policies: ["pull"], ttl: "1h" });
  file("vault-token", `${child.body.auth.client_token}\n`);
  secrets.push(child.body.auth.client_token);
}, 30 * 60_000);

afterAll(async () => {
  for (const line of errorLines) {
    for (const secret of secrets)
      expect(line, "an error line carries a secret").not.toContain(secret);
  }
  await vault?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text, { mode: 0o600 });
  return path;
}

function spec(fields: Record<string, unknown>): VaultSpec {
  return vaultSpec(z).parse({
    type: "vault",
    address: vault.address,
    secret: { engine: "kv-v2", mount: "secret", path: "registries/dockerhub" },
    ...fields,
  });
}

function deps(
  options: { env?: Record<string, string>; stateDir?: string; now?: () => Date } = {},
): SourceDeps {
  return {
    baseDir: dir,
    readFile: (path) => readFile(path),
    env: options.env ?? {},
    now: options.now ?? (() => new Date()),
    stateDir: options.stateDir ?? join(dir, `state-${++stateCount}`),
  };
}

function context(fields: Partial<FetchContext> = {}): FetchContext {
  return {
    image: "docker.io/library/busybox",
    registry: "docker.io",
    signal: AbortSignal.timeout(20_000),
    ...fields,
  };
}

/** One exec: a new source, one fetch. */
async function fetchOnce(
  s: VaultSpec,
  options: {
    env?: Record<string, string>;
    stateDir?: string;
    now?: () => Date;
    context?: Partial<FetchContext>;
  } = {},
): Promise<RegistryCredential> {
  return vaultSource(s, deps(options)).fetch(context(options.context));
}

/** The PullkeyError of a failing exec; its line is kept for the leak scan. */
async function failure(promise: () => Promise<unknown>): Promise<PullkeyError> {
  try {
    await promise();
  } catch (err) {
    errorLines.push(errorLine(err));
    if (err instanceof PullkeyError) return err;
    throw err;
  }
  throw new Error("expected a failure");
}

const pod = (namespace: string, name: string, annotations: Record<string, string> = {}) => ({
  serviceAccount: { token: vault.mintToken({ namespace, name }), annotations },
});

describe("each auth method", () => {
  const rows: {
    name: string;
    auth: () => Record<string, unknown>;
    over?: "tls";
    pod?: true;
    env?: () => Record<string, string>;
  }[] = [
    {
      name: "a token from VAULT_TOKEN",
      auth: () => ({ method: "token" }),
      env: () => ({ VAULT_TOKEN: readToken() }),
    },
    {
      name: "a token file (a Vault Agent sink)",
      auth: () => ({ method: "token", tokenFile: "vault-token" }),
    },
    { name: "an inline token", auth: () => ({ method: "token", token: readToken() }) },
    {
      name: "AppRole with role_id and secret_id files",
      auth: () => ({ method: "appRole", roleIdFile: "role-id", secretIdFile: "secret-id" }),
    },
    {
      name: "JWT auth with a projected token file",
      auth: () => ({ method: "jwt", role: "pullkey", tokenFile: projected("node-agent") }),
    },
    {
      name: "JWT auth with the pod's service account token",
      auth: () => ({ method: "jwt", role: "pullkey", serviceAccount: true }),
      pod: true,
    },
    {
      name: "Kubernetes auth with a projected token file",
      auth: () => ({ method: "kubernetes", role: "pullkey", tokenFile: projected("node-agent") }),
    },
    {
      name: "Kubernetes auth with the pod's service account token",
      auth: () => ({ method: "kubernetes", role: "pullkey", serviceAccount: true }),
      pod: true,
    },
    { name: "TLS certificate auth", auth: () => ({ method: "cert", name: "node" }), over: "tls" },
  ];

  it.each(rows)("$name logs in and reads the Docker Hub credential", async (row) => {
    const tls = row.over === "tls";
    const s = spec({
      auth: row.auth(),
      ...(tls
        ? {
            address: vault.tlsAddress,
            tls: {
              caFile: vault.pki.caFile,
              certFile: vault.pki.clientCertFile,
              keyFile: vault.pki.clientKeyFile,
            },
          }
        : {}),
    });
    const credential = await fetchOnce(s, {
      ...(row.env ? { env: row.env() } : {}),
      ...(row.pod ? { context: pod("team-a", "builder") } : {}),
    });
    expect(credential).toEqual(hub);
  });

  it("posts Kubernetes logins to auth/<mount>/login, never auth//login", async () => {
    const before = vault.logins("kubernetes");
    await fetchOnce(
      spec({ auth: { method: "kubernetes", role: "pullkey", tokenFile: projected("k8s-path") } }),
    );
    expect(vault.logins("kubernetes")).toBe(before + 1);
  });
});

function readToken(): string {
  return readFileSync(join(dir, "vault-token"), "utf8").trim();
}

function projected(name: string): string {
  return file(`${name}.jwt`, vault.mintToken({ namespace: "kube-system", name }));
}

describe("secrets", () => {
  const token = () => ({ method: "token", tokenFile: "vault-token" });

  it("reads a KV v1 secret", async () => {
    const s = spec({
      auth: token(),
      secret: { engine: "kv-v1", mount: "kv1", path: "registries/dockerhub" },
    });
    expect(await fetchOnce(s)).toMatchObject({ username: "hub-user-v1", password: hub.password });
  });

  it("serves the new version after a rotation, with nothing on the node changed", async () => {
    const first = newSecret("rotate-v1");
    const second = newSecret("rotate-v2");
    const s = spec({
      auth: token(),
      secret: { engine: "kv-v2", mount: "secret", path: "registries/rotating" },
    });
    await vault.writeSecret("secret/registries/rotating", { username: "u", password: first });
    expect((await fetchOnce(s)).password).toBe(first);
    await vault.writeSecret("secret/registries/rotating", { username: "u", password: second });
    expect((await fetchOnce(s)).password).toBe(second);
  });

  it("reads a pinned KV v2 version", async () => {
    const old = newSecret("pinned-v1");
    await vault.writeSecret("secret/registries/pinned", { username: "u", password: old });
    await vault.writeSecret("secret/registries/pinned", {
      username: "u",
      password: newSecret("pinned-v2"),
    });
    const s = spec({
      auth: token(),
      secret: { engine: "kv-v2", mount: "secret", path: "registries/pinned", version: 1 },
    });
    expect((await fetchOnce(s)).password).toBe(old);
  });

  it("reads configured field names, with no username for token registries", async () => {
    const pat = newSecret("access-token");
    await vault.writeSecret("secret/registries/ecr-style", { accessToken: pat });
    const s = spec({
      auth: token(),
      secret: {
        engine: "kv-v2",
        mount: "secret",
        path: "registries/ecr-style",
        fields: { username: "", password: "accessToken" },
      },
    });
    expect(await fetchOnce(s)).toEqual({ username: "", password: pat });
  });

  it("picks the image's registry from a field holding a docker config.json", async () => {
    const ghcr = newSecret("ghcr-token");
    const dockerconfig = {
      auths: {
        "https://index.docker.io/v1/": {
          auth: Buffer.from(`hub-user:${hub.password}`).toString("base64"),
        },
        "ghcr.io": { username: "gh-user", password: ghcr },
      },
    };
    secrets.push(Buffer.from(`hub-user:${hub.password}`).toString("base64"));
    await vault.writeSecret("secret/registries/dockerconfig", {
      ".dockerconfigjson": JSON.stringify(dockerconfig),
    });
    const s = spec({
      auth: token(),
      secret: {
        engine: "kv-v2",
        mount: "secret",
        path: "registries/dockerconfig",
        dockerConfigJsonField: ".dockerconfigjson",
      },
    });
    expect(await fetchOnce(s)).toEqual(hub);
    expect(
      await fetchOnce(s, { context: { image: "ghcr.io/org/app", registry: "ghcr.io" } }),
    ).toEqual({
      username: "gh-user",
      password: ghcr,
    });
  });

  it.each([
    {
      name: "a KV v1 ttl",
      write: { username: "u", password: "p-ttl", ttl: "10m" },
      mount: "kv1",
      fields: undefined,
      // KV v1 ttl counts from the read: the expiry lies between read start + ttl and read end + ttl.
      expected: (before: number, after: number) => [before + 600_000, after + 600_000],
    },
    {
      name: "an expiry field",
      write: {
        username: "u",
        password: "p-exp",
        expires: "2099-01-01T00:00:00.000Z",
      },
      mount: "secret",
      fields: { expiresAt: "expires" },
      // An absolute expiry is taken as written, however long the read took.
      expected: () => [
        Date.parse("2099-01-01T00:00:00.000Z"),
        Date.parse("2099-01-01T00:00:00.000Z"),
      ],
    },
  ])("bounds the credential's life by $name", async ({ write, mount, fields, expected }) => {
    await vault.writeSecret(`${mount}/registries/bounded`, write);
    const s = spec({
      auth: token(),
      secret: {
        engine: mount === "kv1" ? "kv-v1" : "kv-v2",
        mount,
        path: "registries/bounded",
        ...(fields ? { fields } : {}),
      },
    });
    const before = Date.now();
    const { expiresAt } = await fetchOnce(s);
    // NaN (never reached: every row gives two bounds) fails both comparisons.
    const [earliest = Number.NaN, latest = Number.NaN] = expected(before, Date.now());
    expect(expiresAt?.getTime()).toBeGreaterThanOrEqual(earliest);
    expect(expiresAt?.getTime()).toBeLessThanOrEqual(latest);
  });
});

describe("KEP-4412 path templates", () => {
  const templated = (path: string) =>
    spec({
      auth: { method: "jwt", role: "pullkey", serviceAccount: true },
      secret: { engine: "kv-v2", mount: "secret", path },
    });

  beforeAll(async () => {
    for (const ns of ["team-a", "team-b"]) {
      await vault.writeSecret(`secret/teams/${ns}/builder`, {
        username: `${ns}-robot`,
        password: newSecret(ns),
      });
    }
  });

  it("gives two service accounts the credentials of their own paths", async () => {
    const s = templated("teams/{{namespace}}/{{serviceAccount}}");
    const a = await fetchOnce(s, { context: pod("team-a", "builder") });
    const b = await fetchOnce(s, { context: pod("team-b", "builder") });
    expect(a.username).toBe("team-a-robot");
    expect(b.username).toBe("team-b-robot");
    expect(a.password).not.toBe(b.password);
  });

  it("takes a path segment from an allowed annotation", async () => {
    const s = templated('teams/team-a/{{annotation "example.io/vault-secret"}}');
    const credential = await fetchOnce(s, {
      context: pod("team-b", "builder", { "example.io/vault-secret": "builder" }),
    });
    expect(credential.username).toBe("team-a-robot");
  });

  it("lets Vault's templated policy keep a pod inside its own namespace", async () => {
    const scoped = (path: string) =>
      spec({
        auth: { method: "jwt", role: "team-scoped", serviceAccount: true },
        secret: { engine: "kv-v2", mount: "secret", path },
      });
    const own = await fetchOnce(scoped("teams/{{namespace}}/builder"), {
      context: pod("team-a", "builder"),
    });
    expect(own.username).toBe("team-a-robot");
    const err = await failure(() =>
      fetchOnce(scoped('teams/team-a/{{annotation "example.io/vault-secret"}}'), {
        context: pod("team-b", "builder", { "example.io/vault-secret": "builder" }),
      }),
    );
    expect(err.code).toBe("SOURCE_DENIED");
  });

  it.each([
    { name: "a dot-dot annotation", annotation: ".." },
    { name: "an annotation with a slash", annotation: "../team-b/builder" },
    { name: "an encoded separator", annotation: "team-b%2Fbuilder" },
    { name: "an empty annotation", annotation: "" },
  ])("refuses $name before any Vault call", async ({ annotation }) => {
    const before = vault.logins("jwt");
    const s = templated('teams/{{namespace}}/{{annotation "example.io/vault-secret"}}');
    const err = await failure(() =>
      fetchOnce(s, { context: pod("team-a", "x", { "example.io/vault-secret": annotation }) }),
    );
    expect(err.code).toBe("REQUEST_INVALID");
    expect(vault.logins("jwt")).toBe(before);
  });

  it("refuses a namespace claim that would climb out of the prefix", async () => {
    const s = spec({
      auth: { method: "token", tokenFile: "vault-token" },
      secret: { engine: "kv-v2", mount: "secret", path: "teams/{{namespace}}/builder" },
    });
    const err = await failure(() => fetchOnce(s, { context: pod("..", "builder") }));
    expect(err.code).toBe("REQUEST_INVALID");
  });

  it.each([
    { name: "the address", field: { address: "{{namespace}}" } },
    {
      name: "the KV mount",
      field: { secret: { engine: "kv-v2", mount: "{{namespace}}", path: "x" } },
    },
    {
      name: "the auth mount",
      field: {
        auth: { method: "jwt", role: "r", serviceAccount: true, mount: '{{annotation "a"}}' },
      },
    },
  ])("does not let request data choose $name", ({ field }) => {
    expect(
      vaultSpec(z).safeParse({
        type: "vault",
        address: "http://127.0.0.1:8200",
        auth: { method: "token" },
        secret: { engine: "kv-v2", mount: "secret", path: "x" },
        ...field,
      }).success,
    ).toBe(false);
  });
});

describe("token reuse across execs", () => {
  it("logs in once for many execs within the token's life", async () => {
    const stateDir = join(dir, "reuse-approle");
    const s = spec({
      auth: { method: "appRole", roleIdFile: "role-id", secretIdFile: "secret-id" },
    });
    const logins = vault.logins("approle");
    const reads = vault.reads("secret/data/registries/dockerhub");
    for (let i = 0; i < 5; i++) expect(await fetchOnce(s, { stateDir })).toEqual(hub);
    expect(vault.logins("approle") - logins).toBe(1);
    expect(vault.reads("secret/data/registries/dockerhub") - reads).toBe(5);
  });

  it.each([
    { name: "reuses it 57 minutes into its hour", minutes: 57, logins: 0 },
    { name: "logs in again 2 minutes before it expires", minutes: 58, logins: 1 },
  ])("$name (token_ttl 1h)", async ({ minutes, logins }) => {
    const stateDir = join(dir, `reuse-clock-${minutes}`);
    const s = spec({
      auth: { method: "appRole", roleIdFile: "role-id", secretIdFile: "secret-id" },
    });
    const start = Date.now();
    await fetchOnce(s, { stateDir, now: () => new Date(start) });
    const before = vault.logins("approle");
    await fetchOnce(s, { stateDir, now: () => new Date(start + minutes * 60_000 + 1_000) });
    expect(vault.logins("approle") - before).toBe(logins);
  });

  it("keeps one token per service account in KEP-4412 mode", async () => {
    const stateDir = join(dir, "reuse-sa");
    const s = spec({ auth: { method: "jwt", role: "pullkey", serviceAccount: true } });
    const logins = vault.logins("jwt");
    for (let i = 0; i < 3; i++) {
      await fetchOnce(s, { stateDir, context: pod("team-a", "builder") });
      await fetchOnce(s, { stateDir, context: pod("team-b", "deployer") });
    }
    expect(vault.logins("jwt") - logins).toBe(2);
  });

  it("stores tokens root-only: a 0700 folder of 0600 files", async () => {
    const stateDir = join(dir, "reuse-modes");
    await fetchOnce(
      spec({ auth: { method: "appRole", roleIdFile: "role-id", secretIdFile: "secret-id" } }),
      { stateDir },
    );
    const folder = join(stateDir, "vault-tokens");
    expect(statSync(folder).mode & 0o777).toBe(0o700);
    const files = readdirSync(folder);
    expect(files).toHaveLength(1);
    expect(statSync(join(folder, files[0] ?? "")).mode & 0o777).toBe(0o600);
  });

  it("logs in again when the stored token was revoked", async () => {
    const stateDir = join(dir, "reuse-revoked");
    const s = spec({
      auth: { method: "appRole", roleIdFile: "role-id", secretIdFile: "secret-id" },
    });
    await fetchOnce(s, { stateDir });
    const folder = join(stateDir, "vault-tokens");
    const stored = JSON.parse(await readFile(join(folder, readdirSync(folder)[0] ?? ""), "utf8"));
    secrets.push(stored.token);
    expect((await vault.api("POST", "auth/token/revoke", { token: stored.token })).status).toBe(
      204,
    );
    const logins = vault.logins("approle");
    expect(await fetchOnce(s, { stateDir })).toEqual(hub);
    expect(vault.logins("approle") - logins).toBe(1);
  });

  it("ignores a token folder that others can read, and logs in", async () => {
    const stateDir = join(dir, "reuse-open");
    const s = spec({
      auth: { method: "appRole", roleIdFile: "role-id", secretIdFile: "secret-id" },
    });
    await fetchOnce(s, { stateDir });
    chmodSync(join(stateDir, "vault-tokens"), 0o755);
    const logins = vault.logins("approle");
    await fetchOnce(s, { stateDir });
    expect(vault.logins("approle") - logins).toBe(1);
    expect(statSync(join(stateDir, "vault-tokens")).mode & 0o777).toBe(0o700);
  });
});

describe("failures", () => {
  let faults: Server;
  let faultAddress: string;
  const faultRequests: string[] = [];
  let closedPort = 0;

  beforeAll(async () => {
    // For what a real Vault cannot do: hang, or answer with something that is not Vault.
    faults = createServer((req, res) => {
      faultRequests.push(req.url ?? "");
      if (req.url?.includes("hang")) return;
      res.setHeader("Content-Type", "text/html");
      res.end("<html><body>Welcome to the corporate proxy</body></html>");
    });
    await new Promise<void>((resolve) => faults.listen(0, "127.0.0.1", resolve));
    faultAddress = `http://127.0.0.1:${(faults.address() as AddressInfo).port}`;
    closedPort = await freePort();
    await vault.writeSecret("secret/other/dockerhub", {
      username: "u",
      password: newSecret("other"),
    });
    await vault.writeSecret("secret/registries/deleted", {
      username: "u",
      password: newSecret("deleted"),
    });
    expect((await vault.api("DELETE", "secret/data/registries/deleted")).status).toBe(204);
    await vault.writeSecret("secret/registries/destroyed", {
      username: "u",
      password: newSecret("destroyed"),
    });
    await vault.api("PUT", "secret/destroy/registries/destroyed", { versions: [1] });
    await vault.writeSecret("secret/registries/limited", {
      username: "u",
      password: newSecret("limited"),
    });
    await vault.api("POST", "sys/quotas/rate-limit/pullkey-test", {
      path: "secret/data/registries/limited",
      rate: 1,
      interval: "1m",
    });
  });
  afterAll(() => {
    faults?.closeAllConnections();
    faults?.close();
  });

  const tokenAuth = { method: "token", tokenFile: "vault-token" };
  const approle = { method: "appRole", roleIdFile: "role-id", secretIdFile: "secret-id" };
  const kv2 = (path: string, extra: Record<string, unknown> = {}) => ({
    secret: { engine: "kv-v2", mount: "secret", path, ...extra },
  });

  const rows: {
    name: string;
    spec: () => Record<string, unknown>;
    env?: () => Record<string, string>;
    context?: () => Partial<FetchContext>;
    before?: () => Promise<unknown>;
    code: string;
    says: () => string[];
  }[] = [
    {
      name: "a path the role's policies do not allow",
      spec: () => ({ auth: approle, ...kv2("other/dockerhub") }),
      code: "SOURCE_DENIED",
      says: () => [
        `Vault ${vault.address}: permission denied (403) reading secret/data/other/dockerhub as appRole at auth/approle`,
      ],
    },
    {
      name: "a secret that does not exist",
      spec: () => ({ auth: tokenAuth, ...kv2("registries/absent") }),
      code: "SOURCE_NOT_FOUND",
      says: () => [
        `Vault ${vault.address}: no secret (404) while reading secret/data/registries/absent`,
      ],
    },
    {
      name: "a deleted version",
      spec: () => ({ auth: tokenAuth, ...kv2("registries/deleted") }),
      code: "SOURCE_NOT_FOUND",
      says: () => ["version 1 was deleted at", "secret/data/registries/deleted"],
    },
    {
      name: "a destroyed version",
      spec: () => ({ auth: tokenAuth, ...kv2("registries/destroyed", { version: 1 }) }),
      code: "SOURCE_NOT_FOUND",
      says: () => [
        "version 1 was destroyed (404) while reading secret/data/registries/destroyed?version=1",
      ],
    },
    {
      name: "an AppRole login with a wrong secret_id",
      spec: () => ({ auth: { ...approle, secretIdFile: "wrong-secret-id" } }),
      before: async () => file("wrong-secret-id", "00000000-0000-0000-0000-000000000000\n"),
      code: "SOURCE_AUTH_FAILED",
      says: () => [
        `Vault ${vault.address} rejected the login (400) with appRole at auth/approle: invalid role or secret ID`,
      ],
    },
    {
      name: "a JWT login with a token signed by an unknown key",
      spec: () => ({ auth: { method: "jwt", role: "pullkey", serviceAccount: true } }),
      context: () => ({
        serviceAccount: {
          token: vault.mintForeignToken({ namespace: "team-a", name: "x" }),
          annotations: {},
        },
      }),
      code: "SOURCE_AUTH_FAILED",
      says: () => [
        `rejected the login (400) with jwt role "pullkey" at auth/jwt with the pod's service account token`,
      ],
    },
    {
      name: "a Kubernetes login that TokenReview does not authenticate",
      spec: () => ({ auth: { method: "kubernetes", role: "pullkey", serviceAccount: true } }),
      context: () => ({
        serviceAccount: {
          token: vault.mintForeignToken({ namespace: "team-a", name: "x" }),
          annotations: {},
        },
      }),
      code: "SOURCE_AUTH_FAILED",
      says: () => [`rejected the login (403) with kubernetes role "pullkey" at auth/kubernetes`],
    },
    {
      name: "a JWT login to a role that does not exist",
      spec: () => ({ auth: { method: "jwt", role: "nobody", tokenFile: projected("nobody") } }),
      code: "SOURCE_AUTH_FAILED",
      says: () => ['with jwt role "nobody" at auth/jwt'],
    },
    {
      name: "an invalid Vault token",
      spec: () => ({ auth: { method: "token", token: "hvs.not-a-real-token-FIXTURE" } }),
      code: "SOURCE_AUTH_FAILED",
      says: () => [
        `Vault ${vault.address} does not accept the token from the config (403 on lookup-self)`,
      ],
    },
    {
      name: "a connection refused",
      spec: () => ({ address: `http://127.0.0.1:${closedPort}`, auth: tokenAuth }),
      code: "SOURCE_UNREACHABLE",
      says: () => [
        `cannot reach Vault http://127.0.0.1:${closedPort} while reading secret/data/registries/dockerhub: connection refused (ECONNREFUSED)`,
      ],
    },
    {
      name: "a Vault whose CA is not trusted",
      spec: () => ({ address: vault.tlsAddress, auth: tokenAuth }),
      code: "SOURCE_TLS",
      says: () => [
        `TLS to Vault ${vault.tlsAddress} failed while reading secret/data/registries/dockerhub:`,
        "tls.caFile or VAULT_CACERT",
      ],
    },
    {
      name: "a Vault that hangs",
      spec: () => ({ address: faultAddress, timeout: "300ms", auth: tokenAuth, ...kv2("hang") }),
      code: "SOURCE_UNREACHABLE",
      says: () => [
        `Vault ${faultAddress} did not answer within 300ms while reading secret/data/hang (timeout)`,
      ],
    },
    {
      name: "something that is not Vault at the address",
      spec: () => ({ address: faultAddress, auth: tokenAuth }),
      code: "SOURCE_UNAVAILABLE",
      says: () => [
        `Vault ${faultAddress} answered with something that is not a Vault JSON response`,
      ],
    },
    {
      name: "a rate limit quota",
      spec: () => ({ auth: tokenAuth, ...kv2("registries/limited") }),
      before: () =>
        fetchOnce(spec({ auth: tokenAuth, ...kv2("registries/limited") })).catch(() => {}),
      code: "SOURCE_UNAVAILABLE",
      says: () => [
        `Vault ${vault.address} rate-limited pullkey (429) while reading secret/data/registries/limited`,
      ],
    },
    {
      name: "a JWT role with the pod's token when the kubelet sent none",
      spec: () => ({ auth: { method: "jwt", role: "pullkey", serviceAccount: true } }),
      code: "REQUEST_INVALID",
      says: () => ["the kubelet sent none", "tokenAttributes"],
    },
  ];

  it.each(rows)("reports $name with its code and one clear line", async (row) => {
    await row.before?.();
    const err = await failure(() =>
      fetchOnce(spec(row.spec()), {
        ...(row.env ? { env: row.env() } : {}),
        ...(row.context ? { context: row.context() } : {}),
      }),
    );
    expect(err.code).toBe(row.code);
    for (const part of row.says()) expect(err.message).toContain(part);
    expect(errorLine(err)).not.toMatch(/\n/);
  });

  it.each(["false", "0", "true"])(
    "keeps verifying Vault's certificate when VAULT_SKIP_VERIFY=%s",
    async (value) => {
      const saved = process.env["VAULT_SKIP_VERIFY"];
      process.env["VAULT_SKIP_VERIFY"] = value;
      try {
        const err = await failure(() =>
          fetchOnce(spec({ address: vault.tlsAddress, auth: tokenAuth })),
        );
        expect(err.code).toBe("SOURCE_TLS");
      } finally {
        if (saved === undefined) delete process.env["VAULT_SKIP_VERIFY"];
        else process.env["VAULT_SKIP_VERIFY"] = saved;
      }
    },
  );

  it("trusts the CA named by VAULT_CACERT", async () => {
    const credential = await fetchOnce(spec({ address: vault.tlsAddress, auth: tokenAuth }), {
      env: { VAULT_CACERT: vault.pki.caFile },
    });
    expect(credential).toEqual(hub);
  });

  it("stops waiting when the exec's deadline passes", async () => {
    const err = await failure(() =>
      fetchOnce(spec({ address: faultAddress, auth: tokenAuth, ...kv2("hang") }), {
        context: { signal: AbortSignal.timeout(200) },
      }),
    );
    expect(err.code).toBe("DEADLINE_EXCEEDED");
  });
});

// Last: sealing ends this Vault's useful life.
describe("a sealed Vault", () => {
  it("is reported as unavailable (503), naming the address and path", async () => {
    expect((await vault.api("PUT", "sys/seal")).status).toBe(204);
    const err = await failure(() =>
      fetchOnce(spec({ auth: { method: "token", tokenFile: "vault-token" } })),
    );
    expect(err.code).toBe("SOURCE_UNAVAILABLE");
    expect(err.message).toContain(
      `Vault ${vault.address} is sealed or in maintenance (503) while reading secret/data/registries/dockerhub: Vault is sealed`,
    );
  });
});
