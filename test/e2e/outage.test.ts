import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Moto, startMoto } from "../../scripts/peers/moto.mjs";
import {
  createSecret,
  putSecretValue,
  REGION,
} from "../sources/aws-secrets-manager/moto-fixtures.js";
import { ARTIFACTS, capturedOutputs, type Exec, execAsync } from "./artifacts.js";
import { expectNoLeaks } from "./leaks.js";
import { ageCacheEntries } from "./support/age-cache.js";
import { FaultProxy } from "./support/tcp-proxy.js";

// The node-local cache against a real backend (Secrets Manager on moto) behind a proxy that can
// stop, hang and count requests: the faults a fleet meets and a running moto cannot produce.
// The proxy runs in this process, so every exec is spawned asynchronously (a spawnSync would
// stop the proxy while the exec waits for it).
const FIRST = "outage-secret-FIXTURE-a1";
const ROTATED = "outage-secret-FIXTURE-b2";
const SECRET_ID = "pullkey/outage";
const REQUEST = `{"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/v1","image":"docker.io/library/busybox"}\n`;
const SEA = ARTIFACTS[1];

let moto: Moto;
let proxy: FaultProxy;
let dir: string;
let configs = 0;

const env = (): Record<string, string> => ({
  AWS_ACCESS_KEY_ID: "AKIAOUTAGETEST",
  AWS_SECRET_ACCESS_KEY: "outage-test-key",
  AWS_REGION: REGION,
  AWS_CONFIG_FILE: join(dir, "no-aws-config"),
  AWS_SHARED_CREDENTIALS_FILE: join(dir, "no-aws-credentials"),
  AWS_EC2_METADATA_DISABLED: "true",
});

/** A config in a folder of its own (own cache); `alias` reuses a folder: same rule, same cache entry. */
function config(
  settings: { cacheDuration: string; staleIfError?: string; execTimeout?: string },
  alias?: string,
): string {
  const folder = alias ?? join(dir, `c${configs++}`);
  mkdirSync(folder, { recursive: true });
  const file = join(folder, `pullkey-${settings.staleIfError ?? "1h"}.yaml`);
  writeFileSync(
    file,
    `apiVersion: pullkey/v1
kind: PullkeyConfig
stateDir: ${join(folder, "state")}
execTimeout: ${settings.execTimeout ?? "10s"}
cache:
  staleIfError: ${settings.staleIfError ?? "1h"}
rules:
  - name: hub
    preset: dockerhub
    cacheDuration: ${settings.cacheDuration}
    source:
      type: awsSecretsManager
      secretId: ${SECRET_ID}
      region: ${REGION}
      endpoint: ${proxy.endpoint}
`,
  );
  return file;
}

function password(result: Exec): string {
  if (result.status !== 0) throw new Error(`the exec failed: ${result.stderr}`);
  return JSON.parse(result.stdout).auth["docker.io"].password as string;
}

const spawnExec = (path: string, file: string) =>
  execAsync(path, ["--config", file], REQUEST, { env: env() });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "pullkey-outage-"));
  moto = await startMoto();
  await createSecret(moto, SECRET_ID, JSON.stringify({ username: "hub", password: FIRST }));
  proxy = new FaultProxy(moto.port, /x-amz-target:\s*secretsmanager\.GetSecretValue/);
  await proxy.start();
}, 120_000);

afterAll(async () => {
  await proxy?.stop();
  await moto?.stop();
  expectNoLeaks(capturedOutputs(), [FIRST, ROTATED]);
  rmSync(dir, { recursive: true, force: true });
});

describe("pullkey against Secrets Manager through outages", () => {
  it("gives 50 simultaneous cold execs their credentials with one request to Secrets Manager", async () => {
    const file = config({ cacheDuration: "10m" });
    proxy.count = 0;
    const results = await Promise.all(Array.from({ length: 50 }, () => spawnExec(SEA.path, file)));
    expect(results.map((r) => r.status)).toEqual(Array(50).fill(0));
    expect(new Set(results.map(password))).toEqual(new Set([FIRST]));
    expect(proxy.count).toBe(1);
  }, 120_000);

  it("serves the last good credential while Secrets Manager is down, fails past staleIfError, and reads the rotated secret once it is back", async () => {
    const file = config({ cacheDuration: "1s" });
    const folder = join(file, "..");
    const strict = config({ cacheDuration: "1s", staleIfError: "1s" }, folder);
    expect(password(await spawnExec(SEA.path, file))).toBe(FIRST);

    await proxy.stop();
    // Past its freshness (cacheDuration 1s), within staleIfError (1h), as far as the cache can tell.
    expect(ageCacheEntries(join(folder, "state"), 1_100)).toBe(1);
    const stale = await spawnExec(SEA.path, file);
    expect(stale.stderr).toBe("");
    expect(password(stale)).toBe(FIRST);
    expect(JSON.parse(stale.stdout).cacheDuration).toBe("1m0s");

    // Another second: now past the strict config's staleIfError (1s) too; same folder, same entry.
    expect(ageCacheEntries(join(folder, "state"), 1_000)).toBe(1);
    const tooOld = await spawnExec(SEA.path, strict);
    expect(tooOld.status).toBe(1);
    expect(tooOld.stdout).toBe("");
    expect(tooOld.stderr).toMatch(
      /^pullkey: SOURCE_UNREACHABLE: .*is past the staleIfError limit, so none was served\n$/,
    );

    await putSecretValue(moto, SECRET_ID, JSON.stringify({ username: "hub", password: ROTATED }));
    await proxy.start();
    const back = await spawnExec(SEA.path, file);
    expect(back.stderr).toBe("");
    expect(password(back)).toBe(ROTATED);
  }, 60_000);

  it.each(ARTIFACTS)(
    "ends an exec at its budget when Secrets Manager hangs, or serves a stale credential ($name)",
    async ({ path }) => {
      const file = config({ cacheDuration: "1s", execTimeout: "3s" });
      expect(password(await spawnExec(path, file))).toMatch(/FIXTURE/);
      const cold = config({ cacheDuration: "1s", execTimeout: "3s" });
      proxy.delayMs = Number.POSITIVE_INFINITY;
      try {
        // Past the entry's freshness (1s), so the last exec below must serve it stale.
        expect(ageCacheEntries(join(file, "..", "state"), 1_100)).toBe(1);
        const started = Date.now();
        const hung = await spawnExec(path, cold);
        const hungMs = Date.now() - started;
        expect(hung.status).toBe(1);
        expect(hung.stdout).toBe("");
        expect(hung.stderr).toMatch(
          /^pullkey: DEADLINE_EXCEEDED: image "docker\.io\/library\/busybox", rule "hub": /,
        );
        // The budget is 3 s; the rest is process start-up on a busy machine, far from the kubelet's 60 s.
        expect(hungMs).toBeLessThan(10_000);
        const stale = await spawnExec(path, file);
        expect(stale.stderr).toBe("");
        expect(JSON.parse(stale.stdout).cacheDuration).toBe("1m0s");
      } finally {
        proxy.delayMs = 0;
      }
    },
    60_000,
  );
});
