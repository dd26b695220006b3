import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Moto, startMoto } from "../../scripts/peers/moto.mjs";
import { createSecret, REGION } from "../sources/aws-secrets-manager/moto-fixtures.js";
import { newSecret, secrets, startTestVault, type TestVault } from "../sources/vault/fixture.js";
import { ARTIFACTS, capturedOutputs, type Exec, exec, execAsync } from "./artifacts.js";
import { expectNoLeaks } from "./leaks.js";

// The single executable compiles nothing at run time: each module comes with a V8 code cache
// made at build time after a warm-up ran the plugin through it (provider/sea). These tests check
// that every module an exec loads is compiled from its cache, that nothing read from the
// environment at build time reaches an exec (each variable that matters is set only in the exec's
// environment), and that execs of different configs share nothing. The bundle runs the same rows.

let vault: TestVault;
let moto: Moto;
let dir: string;
let configs = 0;
let hub: { username: string; password: string };
let team: { username: string; password: string };
const preload = fileURLToPath(new URL("./support/record-loaded-modules.cjs", import.meta.url));
const compiles = fileURLToPath(new URL("./support/record-lazy-modules.cjs", import.meta.url));
const REQUEST = `{"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/v1","image":"docker.io/library/busybox"}\n`;

beforeAll(async () => {
  [vault, moto] = await Promise.all([startTestVault(), startMoto()]);
  dir = mkdtempSync(join(tmpdir(), "pullkey-e2e-warm-"));
  hub = { username: "hub-user", password: newSecret("snapshot-hub") };
  team = { username: "team-user", password: newSecret("snapshot-team") };
  await vault.writeSecret("secret/registries/hub", hub);
  await vault.writeSecret("secret/registries/team", team);
  await createSecret(moto, "registries/hub", JSON.stringify(hub));
  write("role-id", `${vault.appRole.roleId}\n`);
  write("secret-id", `${vault.appRole.secretId}\n`);
}, 30 * 60_000);

afterAll(async () => {
  expectNoLeaks(capturedOutputs(), secrets);
  await Promise.all([vault?.stop(), moto?.stop()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text, { mode: 0o600 });
  return path;
}

/** A config with one Docker Hub rule from `source`, its own stateDir, a short execTimeout. */
function config(source: Record<string, unknown>): string {
  const n = ++configs;
  return write(
    `config-${n}.json`,
    JSON.stringify({
      apiVersion: "pullkey/v1",
      kind: "PullkeyConfig",
      stateDir: join(dir, `state-${n}`),
      execTimeout: "4s",
      rules: [{ name: "hub", preset: "dockerhub", source }],
    }),
  );
}

const appRole = { method: "appRole", roleIdFile: "role-id", secretIdFile: "secret-id" };
const vaultRule = (path: string, address?: string) => ({
  type: "vault",
  ...(address ? { address } : {}),
  auth: appRole,
  secret: { engine: "kv-v2", mount: "secret", path },
});

function credentials(result: Exec): { username: string; password: string } {
  expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: "" });
  return JSON.parse(result.stdout).auth["docker.io"];
}

/** A TCP listener that records the first line of each connection and drops it. */
async function recordingProxy(): Promise<{ url: string; lines: string[]; server: Server }> {
  const lines: string[] = [];
  const server = createServer((socket) => {
    socket.once("data", (data) => {
      lines.push(data.toString("latin1").split("\r\n")[0] ?? "");
      socket.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, lines, server };
}

describe.each(ARTIFACTS)("environment read at run time ($name)", ({ path }) => {
  it("finds Vault at VAULT_ADDR set only in the exec's environment", () => {
    const file = config(vaultRule("registries/hub"));
    const result = exec(path, ["--config", file], REQUEST, { env: { VAULT_ADDR: vault.address } });
    expect(credentials(result)).toEqual(hub);
  });

  it("finds Secrets Manager from AWS_REGION and AWS_ENDPOINT_URL_SECRETS_MANAGER set only in the exec's environment", () => {
    const file = config({ type: "awsSecretsManager", secretId: "registries/hub" });
    const result = exec(path, ["--config", file], REQUEST, {
      env: {
        AWS_REGION: REGION,
        AWS_ENDPOINT_URL_SECRETS_MANAGER: moto.endpoint,
        AWS_ACCESS_KEY_ID: "AKIASNAPSHOT",
        AWS_SECRET_ACCESS_KEY: "snapshot-test-key",
        AWS_CONFIG_FILE: join(dir, "no-aws-config"),
        AWS_SHARED_CREDENTIALS_FILE: join(dir, "no-aws-credentials"),
        AWS_EC2_METADATA_DISABLED: "true",
      },
    });
    expect(credentials(result)).toEqual(hub);
  });

  it("prints nothing but the answer with DEBUG=* set only in the exec's environment", () => {
    const file = config(vaultRule("registries/hub", vault.address));
    const result = exec(path, ["--config", file], REQUEST, { env: { DEBUG: "*" } });
    expect(credentials(result)).toEqual(hub);
  });

  it("sends Vault calls through HTTPS_PROXY, except to a host NO_PROXY names", async () => {
    const proxy = await recordingProxy();
    try {
      const file = config(vaultRule("registries/hub", "https://vault.invalid:8200"));
      const proxied = await execAsync(path, ["--config", file], REQUEST, {
        env: { HTTPS_PROXY: proxy.url },
      });
      expect(proxied.status).toBe(1);
      expect(proxy.lines[0]).toBe("CONNECT vault.invalid:8200 HTTP/1.1");
      const seen = proxy.lines.length;
      const direct = await execAsync(path, ["--config", file], REQUEST, {
        env: { HTTPS_PROXY: proxy.url, NO_PROXY: "vault.invalid" },
      });
      expect(direct.status).toBe(1);
      expect(proxy.lines.length).toBe(seen);
    } finally {
      proxy.server.close();
    }
  });

  it("answers two configs in turn, each with its own credentials", () => {
    const staticA = write("token-a", "token-a\n");
    const staticB = write("token-b", "token-b\n");
    const files = [
      config({ type: "static", username: "robot-a", passwordFile: staticA }),
      config({ type: "static", username: "robot-b", passwordFile: staticB }),
      config(vaultRule("registries/hub", vault.address)),
      config(vaultRule("registries/team", vault.address)),
    ];
    const want = [
      { username: "robot-a", password: "token-a" },
      { username: "robot-b", password: "token-b" },
      hub,
      team,
    ];
    for (let round = 0; round < 2; round++) {
      const got = files.map((file) => credentials(exec(path, ["--config", file], REQUEST)));
      expect(got).toEqual(want);
    }
  });
});

/** A Secrets Manager stand-in that records each request's invocation id and answers "not found". */
async function invocationIdRecorder(): Promise<{ url: string; ids: string[]; close: () => void }> {
  const ids: string[] = [];
  const server = createHttpServer((req, res) => {
    ids.push(String(req.headers["amz-sdk-invocation-id"]));
    req.resume();
    res.writeHead(400, { "content-type": "application/x-amz-json-1.1" });
    res.end(JSON.stringify({ __type: "ResourceNotFoundException", message: "not here" }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, ids, close: () => server.close() };
}

describe.each(ARTIFACTS)("randomness drawn at run time ($name)", ({ path }) => {
  it("gives every exec its own random UUIDs, never ones saved at build time", async () => {
    const recorder = await invocationIdRecorder();
    try {
      const file = config({ type: "awsSecretsManager", secretId: "registries/missing" });
      const env = {
        AWS_REGION: REGION,
        AWS_ENDPOINT_URL_SECRETS_MANAGER: recorder.url,
        AWS_ACCESS_KEY_ID: "AKIASNAPSHOT",
        AWS_SECRET_ACCESS_KEY: "snapshot-test-key",
        AWS_CONFIG_FILE: join(dir, "no-aws-config"),
        AWS_SHARED_CREDENTIALS_FILE: join(dir, "no-aws-credentials"),
        AWS_EC2_METADATA_DISABLED: "true",
      };
      for (let round = 0; round < 3; round++) {
        const result = await execAsync(path, ["--config", file], REQUEST, { env });
        expect(result.status).toBe(1);
      }
      expect(recorder.ids).toHaveLength(3);
      expect(recorder.ids.every((id) => /^[0-9a-f-]{36}$/.test(id))).toBe(true);
      expect(new Set(recorder.ids).size).toBe(3);
    } finally {
      recorder.close();
    }
  });
});

describe.each(ARTIFACTS)("what an exec loads ($name)", ({ path }) => {
  /** The built-in modules and bindings the exec held when it ended. */
  function loaded(file: string): string[] {
    const log = join(dir, `loaded-${++configs}.log`);
    const result = exec(path, ["--config", file], REQUEST, {
      env: { NODE_OPTIONS: `--require ${preload}`, LOADED_MODULES_LOG: log },
    });
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: "" });
    expect(existsSync(log)).toBe(true);
    return readFileSync(log, "utf8").split("\n");
  }
  const matching = (modules: string[], pattern: RegExp) => modules.filter((m) => pattern.test(m));

  it("keeps undici, HTTP/2, TLS, node:assert and child processes out of a Vault exec over http", () => {
    const modules = loaded(config(vaultRule("registries/hub", vault.address)));
    expect(
      matching(
        modules,
        /undici|http2|tls_wrap|child_process|process_wrap|NativeModule assert$|internal\/assert\//,
      ),
    ).toEqual([]);
  });

  it("keeps crypto out of a Vault miss once the config is compiled and the login token stored", () => {
    // The first exec compiles the config and logs in; both write files under temp names, drawn
    // from node:crypto. The second, with the cache off, is a miss that reuses the token.
    const file = write(
      `config-${++configs}.json`,
      JSON.stringify({
        apiVersion: "pullkey/v1",
        kind: "PullkeyConfig",
        stateDir: join(dir, `state-${configs}`),
        execTimeout: "4s",
        cache: { enabled: false },
        rules: [
          { name: "hub", preset: "dockerhub", source: vaultRule("registries/hub", vault.address) },
        ],
      }),
    );
    loaded(file);
    expect(matching(loaded(file), /crypto/)).toEqual([]);
  });

  it("loads no HTTP client at all for a static rule", () => {
    const token = write("token-loaded", "token\n");
    const modules = loaded(config({ type: "static", username: "robot", passwordFile: token }));
    expect(matching(modules, /undici|http|tls|child_process|process_wrap/)).toEqual([]);
  });
});

describe("what the single executable compiles at run time", () => {
  const executable = ARTIFACTS.find((a) => a.name === "single executable");
  const awsEnv = {
    AWS_REGION: REGION,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: "",
    AWS_ACCESS_KEY_ID: "AKIAWARMSTART",
    AWS_SECRET_ACCESS_KEY: "warm-start-test-key",
    AWS_EC2_METADATA_DISABLED: "true",
  };

  /** Each module the exec compiled, with V8's verdict on its code cache. */
  function compiled(file: string, env: Record<string, string> = {}): string[] {
    const log = join(dir, `compiled-${++configs}.log`);
    writeFileSync(log, "");
    const result = exec(executable?.path ?? "", ["--config", file], REQUEST, {
      env: { ...env, NODE_OPTIONS: `--require ${compiles}`, LAZY_MODULES_LOG: log },
    });
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: "" });
    return readFileSync(log, "utf8").trim().split("\n").sort();
  }

  it.runIf(executable)(
    "compiles every module from a code cache V8 accepts: first exec, cache hit, metrics and log, Vault and AWS",
    () => {
      const token = write("token-compiled", "token\n");
      const local = config({ type: "static", username: "robot", passwordFile: token });
      const remote = config({ type: "awsSecretsManager", secretId: "registries/hub" });
      const aws = { ...awsEnv, AWS_ENDPOINT_URL_SECRETS_MANAGER: moto.endpoint };
      const observed = config({ type: "static", username: "robot", passwordFile: token });
      const withObservers = JSON.parse(readFileSync(observed, "utf8"));
      withObservers.metrics = { textfile: join(dir, "warm-start.prom") };
      withObservers.log = { file: join(dir, "warm-start.log") };
      writeFileSync(observed, JSON.stringify(withObservers));
      compiled(observed);
      expect({
        first: compiled(local),
        hit: compiled(local),
        observedHit: compiled(observed),
        vault: compiled(config(vaultRule("registries/hub", vault.address))),
        aws: compiled(remote, aws),
        awsHit: compiled(remote, aws),
      }).toEqual({
        first: [
          "pullkey-config-compiler.cjs accepted",
          "pullkey-core.cjs accepted",
          "pullkey-yaml.cjs accepted",
        ],
        hit: ["pullkey-core.cjs accepted"],
        observedHit: ["pullkey-core.cjs accepted", "pullkey-metrics-and-logs.cjs accepted"],
        vault: [
          "pullkey-config-compiler.cjs accepted",
          "pullkey-core.cjs accepted",
          "pullkey-source-vault.cjs accepted",
          "pullkey-yaml.cjs accepted",
        ],
        aws: [
          "pullkey-config-compiler.cjs accepted",
          "pullkey-core.cjs accepted",
          "pullkey-source-aws-secrets-manager.cjs accepted",
          "pullkey-yaml.cjs accepted",
        ],
        awsHit: ["pullkey-core.cjs accepted"],
      });
    },
  );
});
