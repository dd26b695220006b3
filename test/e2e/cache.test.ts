import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ARTIFACTS, capturedOutputs, execAsync } from "./artifacts.js";
import { expectNoLeaks } from "./leaks.js";
import { type MotoRig, password, request, startMotoRig } from "./support/moto-rule.js";

// The node-local cache in front of a network source (Secrets Manager on moto, behind a proxy that
// counts requests and can hang), through both built executables, with the faults a node meets:
// dead lock holders, stray lock files, hostile neighbours, unusable folders.
const HUB = "cache-hub-FIXTURE-c1";
const TEAM = "cache-team-FIXTURE-c2";
const AS_ROOT = process.getuid?.() === 0;
const preload = fileURLToPath(new URL("./support/record-loaded-modules.cjs", import.meta.url));
let rig: MotoRig;
let n = 0;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const cacheDir = (stateDir: string) => join(stateDir, "cache");
const entries = (stateDir: string) =>
  readdirSync(cacheDir(stateDir)).filter((name) => name.endsWith(".json"));

beforeAll(async () => {
  rig = await startMotoRig("cache-e2e", { "pullkey/hub": HUB, "pullkey/team": TEAM });
}, 120_000);
afterAll(async () => {
  await rig?.stop();
  expectNoLeaks(capturedOutputs(), [HUB, TEAM]);
});

describe.each(ARTIFACTS)("the $name with its node-local cache", ({ name: artifact, path }) => {
  const fresh = (options?: Parameters<MotoRig["config"]>[1]) =>
    rig.config(`${artifact.replace(/ /g, "-")}-${n++}`, options);

  it("answers from the cache without asking the backend again", async () => {
    const { file } = fresh();
    const before = rig.proxy.count;
    expect(password(await rig.exec(path, file))).toBe(HUB);
    const second = await rig.exec(path, file);
    expect(password(second)).toBe(HUB);
    expect(rig.proxy.count - before).toBe(1);
    // Our entry's remaining freshness bounds the kubelet's cache, so rotation is not delayed.
    expect(JSON.parse(second.stdout).cacheDuration).toMatch(/^(9m|10m0s)/);
  });

  // Loading node:crypto costs a hit more CPU than the rest of its own work (provider/sha256.ts);
  // node:net (and the streams it brings) is only for bracketed IPv6 hosts (gocompat/url.ts); the
  // kubelet's `--config FILE` is read without node:util's argument parser (cli.ts).
  // The bundle only: the single executable's core also carries its build-time warm-up
  // (provider/warm-up.ts), whose own imports (node:stream) are loaded with it.
  it.runIf(artifact === "bundle")(
    "answers from the cache without loading node:crypto, node:net, streams or parseArgs",
    async () => {
      const { file, folder } = fresh();
      expect(password(await rig.exec(path, file))).toBe(HUB);
      const log = join(folder, "loaded-modules.log");
      const hit = await execAsync(path, ["--config", file], request(), {
        env: { ...rig.env(), NODE_OPTIONS: `--require ${preload}`, LOADED_MODULES_LOG: log },
      });
      expect(password(hit)).toBe(HUB);
      const modules = readFileSync(log, "utf8").split("\n");
      expect(modules).toContain("NativeModule fs");
      expect(
        modules.filter((m) => /crypto|parse_args|^NativeModule (net|stream)$/.test(m)),
      ).toEqual([]);
    },
  );

  // The single executable only: 50 cold starts of each artifact at once would measure the test
  // machine's load more than pullkey (the bundle's storm runs with its own budget in outage.test.ts).
  it.runIf(artifact === "single executable")(
    "gives 50 simultaneous cold execs with the default budget their credentials with one backend request",
    async () => {
      const { file } = fresh();
      const before = rig.proxy.count;
      const results = await Promise.all(Array.from({ length: 50 }, () => rig.exec(path, file)));
      expect(results.map((r) => r.stderr)).toEqual(Array(50).fill(""));
      expect(new Set(results.map((r) => password(r)))).toEqual(new Set([HUB]));
      expect(rig.proxy.count - before).toBe(1);
    },
    120_000,
  );

  it("replaces a holder killed with kill -9 by exactly one of its 20 waiters", async () => {
    const { file, stateDir } = fresh();
    rig.proxy.delayMs = Number.POSITIVE_INFINITY;
    const holder = rig.exec(path, file);
    let lock: string | undefined;
    for (let i = 0; i < 200 && !lock; i++) {
      await sleep(50);
      lock = existsSync(cacheDir(stateDir))
        ? readdirSync(cacheDir(stateDir)).find((f) => f.endsWith(".lock"))
        : undefined;
    }
    expect(lock).toBeDefined();
    const holderPid = JSON.parse(
      readFileSync(join(cacheDir(stateDir), lock as string), "utf8"),
    ).pid;
    const waiters = Array.from({ length: 20 }, () => rig.exec(path, file));
    await sleep(1_500);
    const before = rig.proxy.count;
    rig.proxy.delayMs = 0;
    process.kill(holderPid, "SIGKILL");
    const results = await Promise.all(waiters);
    expect((await holder).status).not.toBe(0);
    expect(results.map((r) => r.stderr)).toEqual(Array(20).fill(""));
    expect(new Set(results.map((r) => password(r)))).toEqual(new Set([HUB]));
    expect(rig.proxy.count - before).toBe(1);
  }, 60_000);

  it.each([
    { name: "an empty lock file", body: "", owner: undefined },
    {
      name: "a lock naming pid 1 until 2099",
      body: '{"pid":1,"at":"2099-01-01T00:00:00Z"}',
      owner: undefined,
    },
    ...(AS_ROOT
      ? [
          {
            name: "a lock file owned by another uid",
            body: '{"pid":1,"uid":0,"until":4e12,"nonce":"x"}',
            owner: 65534,
          },
        ]
      : []),
  ])(
    "treats $name as absent: answers at once, never waits on it",
    async ({ body, owner }) => {
      const { file, stateDir } = fresh();
      expect(password(await rig.exec(path, file))).toBe(HUB);
      const [entry] = entries(stateDir);
      const key = (entry as string).slice(0, -".json".length);
      rmSync(join(cacheDir(stateDir), `${key}.json`));
      const lock = join(cacheDir(stateDir), `${key}.lock`);
      writeFileSync(lock, body, { mode: 0o600 });
      if (owner !== undefined) chownSync(lock, owner, owner);
      const next = await rig.exec(path, file);
      expect(next.stderr).toBe("");
      expect(password(next)).toBe(HUB);
      // The stray lock is gone and the entry is back: the next exec answers from the cache.
      expect(existsSync(lock)).toBe(false);
      expect(entries(stateDir)).toEqual([`${key}.json`]);
    },
    60_000,
  );

  it("never answers with another rule's credential, whatever was renamed in the cache folder", async () => {
    const { file, stateDir } = fresh({
      rules: [
        ["team", "quay.io", "pullkey/team"],
        ["hub", "preset: dockerhub", "pullkey/hub"],
      ],
    });
    expect(password(await rig.exec(path, file, "quay.io/team/app"), "quay.io")).toBe(TEAM);
    expect(password(await rig.exec(path, file))).toBe(HUB);
    const [a, b] = entries(stateDir).map((name) => join(cacheDir(stateDir), name));
    // Swap the two entries, the way anyone could in a folder left 0777.
    renameSync(a as string, `${a}.x`);
    renameSync(b as string, a as string);
    renameSync(`${a}.x`, b as string);
    expect(password(await rig.exec(path, file))).toBe(HUB);
    expect(password(await rig.exec(path, file, "quay.io/team/app"), "quay.io")).toBe(TEAM);
    chmodSync(cacheDir(stateDir), 0o777);
    const human = await execAsync(
      path,
      ["get", "busybox", "--show-secrets", "--config", file],
      "",
      {
        env: rig.env(),
      },
    );
    expect(human.stdout).toContain(HUB);
    expect(human.stdout).not.toContain(TEAM);
    expect(human.stderr).toContain(
      `pullkey: warning: credential cache skipped for this exec: ${cacheDir(stateDir)} is writable by group or other (mode 777)`,
    );
  }, 60_000);

  it.runIf(AS_ROOT)(
    "skips a stateDir owned by another user, and creates nothing inside it",
    async () => {
      const { file, stateDir } = fresh();
      mkdirSync(stateDir, { recursive: true, mode: 0o755 });
      chownSync(stateDir, 65534, 65534);
      const before = rig.proxy.count;
      expect(password(await rig.exec(path, file))).toBe(HUB);
      expect(password(await rig.exec(path, file))).toBe(HUB);
      expect(rig.proxy.count - before).toBe(2);
      expect(readdirSync(stateDir)).toEqual([]);
    },
    60_000,
  );

  it("still answers when the cache folder cannot be used, and says why in pullkey get", async () => {
    const { file, folder } = fresh();
    writeFileSync(join(folder, "state"), "a file where the state folder should be");
    expect(password(await rig.exec(path, file))).toBe(HUB);
    const human = await execAsync(path, ["get", "busybox", "--config", file], "", {
      env: rig.env(),
    });
    expect(human.stderr).toContain("pullkey: warning: credential cache skipped for this exec:");
  });
});

describe("the operator's view of the cache", () => {
  const path = ARTIFACTS[1].path;
  const run = (args: string[]) => execAsync(path, args, "", { env: rig.env() });

  it("lists entries without secrets, reads the source with get --no-cache, and clears one rule or all", async () => {
    const { file } = rig.config(`operator-${n++}`, {
      rules: [
        ["team", "quay.io", "pullkey/team"],
        ["hub", "preset: dockerhub", "pullkey/hub"],
      ],
    });
    await rig.exec(path, file, "quay.io/team/app");
    await rig.exec(path, file);

    const listed = await run(["cache", "list", "--config", file]);
    const lines = listed.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^RULE +REGISTRY +AGE +FRESH FOR +SOURCE$/);
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(/^hub +docker\.io +\d+s +9m\d+s +awsSecretsManager .*pullkey\/hub/),
      expect.stringMatching(/^team +quay\.io +\d+s +9m\d+s +awsSecretsManager .*pullkey\/team/),
    ]);
    expect(listed.stdout).not.toContain(HUB);

    const before = rig.proxy.count;
    const direct = await run(["get", "busybox", "--no-cache", "--config", file]);
    expect(direct.stderr).toContain("answered from the source");
    expect(rig.proxy.count - before).toBe(1);

    const one = await run(["cache", "clear", "--rule", "team", "--config", file]);
    expect(one.stderr).toMatch(/^pullkey: removed 1 cache entry of rule "team" from /);
    const left = await run(["cache", "list", "--config", file]);
    expect(left.stdout.trimEnd().split("\n").slice(1)).toEqual([
      expect.stringMatching(/^hub +docker\.io /),
    ]);
    const all = await run(["cache", "clear", "--config", file]);
    expect(all.stderr).toMatch(/^pullkey: removed 1 cache entry from /);
    await rig.exec(path, file);
    expect(rig.proxy.count - before).toBe(2);
  }, 60_000);
});
