import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ARTIFACTS, capturedOutputs, type Exec, exec, execAsync } from "./artifacts.js";
import { expectNoLeaks } from "./leaks.js";

const SECRET = "cache-suite-secret-d41c";
const REQUEST = `{"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/v1","image":"docker.io/library/busybox"}\n`;
let root: string;

interface Setup {
  dir: string;
  config: string;
  token: string;
}

/** A config in its own folder, with its own state dir, serving Docker Hub from a password file. */
function setup(
  name: string,
  settings: { cacheDuration?: string; execTimeout?: string; staleIfError?: string } = {},
): Setup {
  const dir = join(root, name);
  execFileSync("mkdir", ["-p", dir]);
  const token = join(dir, "token");
  writeFileSync(token, `${SECRET}\n`);
  const config = join(dir, "pullkey.yaml");
  writeFileSync(
    config,
    `apiVersion: pullkey/v1
kind: PullkeyConfig
stateDir: ${join(dir, "state")}
execTimeout: ${settings.execTimeout ?? "20s"}
cache:
  staleIfError: ${settings.staleIfError ?? "1h"}
  staleCacheDuration: 5s
rules:
  - name: hub
    preset: dockerhub
    cacheDuration: ${settings.cacheDuration ?? "10m"}
    source: {type: static, username: robot, passwordFile: token}
`,
  );
  return { dir, config, token };
}

/**
 * Starts a process that takes the entry's lock the way pullkey does (O_EXCL file with its pid) and
 * then hangs, like an exec stuck on a dead backend. Only the lock matters to the other execs.
 */
async function lockHolder(s: Setup): Promise<ChildProcess> {
  const cacheDir = join(s.dir, "state", "cache");
  const script = `
    const fs = require("node:fs");
    const dir = ${JSON.stringify(cacheDir)};
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const entry = fs.readdirSync(dir).find((f) => f.endsWith(".json"));
    const key = entry.slice(0, -5);
    fs.writeFileSync(dir + "/" + key + ".lock", JSON.stringify({ pid: process.pid, at: new Date().toISOString() }), { flag: "wx", mode: 0o600 });
    process.stdout.write("locked\\n");
    setInterval(() => {}, 1000);
  `;
  const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve) => child.stdout?.once("data", () => resolve()));
  return child;
}

const password = (result: Exec) => JSON.parse(result.stdout).auth["docker.io"].password as string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "pullkey-cache-e2e-"));
});
afterAll(() => {
  expectNoLeaks(capturedOutputs(), [SECRET]);
  rmSync(root, { recursive: true, force: true });
});

describe.each(ARTIFACTS)("the $name with its node-local cache", ({ name: artifact, path }) => {
  const id = (test: string) => `${artifact.replace(/ /g, "-")}-${test}`;

  it("answers from the cache without reading the source again", () => {
    const s = setup(id("fresh"));
    const first = exec(path, ["--config", s.config], REQUEST);
    rmSync(s.token);
    const second = exec(path, ["--config", s.config], REQUEST);
    expect(password(first)).toBe(SECRET);
    expect(second.status).toBe(0);
    expect(password(second)).toBe(SECRET);
    // Our entry's remaining freshness bounds the kubelet's cache, so rotation is not delayed.
    expect(JSON.parse(second.stdout).cacheDuration).toMatch(/^(9m|10m0s)/);
  });

  it("gives 50 simultaneous cold execs their credentials with one read of the source", async () => {
    const s = setup(id("storm"));
    const watcher = spawn("inotifywait", ["-m", "-q", "-e", "open", "--format", "%e", s.token]);
    let opens = 0;
    watcher.stdout.on("data", (d: Buffer) => {
      opens += d.toString().trim().split("\n").filter(Boolean).length;
    });
    // inotifywait -q prints nothing when ready; give it a moment to set its watch.
    await new Promise((r) => setTimeout(r, 300));
    const results = await Promise.all(
      Array.from({ length: 50 }, () => execAsync(path, ["--config", s.config], REQUEST)),
    );
    await new Promise((r) => setTimeout(r, 200));
    watcher.kill();
    expect(results.map((r) => r.status)).toEqual(Array(50).fill(0));
    expect(new Set(results.map(password))).toEqual(new Set([SECRET]));
    expect(opens).toBe(1);
  }, 60_000);

  it("does not let the lock of a killed exec block the next one", async () => {
    const s = setup(id("killed"), { execTimeout: "5s" });
    expect(exec(path, ["--config", s.config], REQUEST).status).toBe(0);
    const holder = await lockHolder(s);
    holder.kill("SIGKILL");
    await new Promise((r) => holder.on("close", r));
    // Drop the entry so the next exec must take the dead holder's lock to fetch.
    const cacheDir = join(s.dir, "state", "cache");
    for (const file of readdirSync(cacheDir).filter((f) => f.endsWith(".json")))
      rmSync(join(cacheDir, file));
    const next = exec(path, ["--config", s.config], REQUEST);
    expect(next.stderr).toBe("");
    expect(password(next)).toBe(SECRET);
  });

  it("serves the last good credential while another exec hangs on the source, then fails past staleIfError", async () => {
    const s = setup(id("stale"), { execTimeout: "2s", cacheDuration: "1s", staleIfError: "1h" });
    // The same rule and source with a tighter limit: same cache entry, other staleness policy.
    const strict = join(s.dir, "strict.yaml");
    writeFileSync(
      strict,
      readFileSync(s.config, "utf8").replace("staleIfError: 1h", "staleIfError: 1s"),
    );
    expect(password(exec(path, ["--config", s.config], REQUEST))).toBe(SECRET);
    await new Promise((r) => setTimeout(r, 1_100));
    const holder = await lockHolder(s);
    try {
      const stale = exec(path, ["--config", s.config], REQUEST);
      expect(stale.stderr).toBe("");
      expect(password(stale)).toBe(SECRET);
      expect(JSON.parse(stale.stdout).cacheDuration).toBe("5s");
      const expired = exec(path, ["--config", strict], REQUEST);
      expect(expired.status).toBe(1);
      expect(expired.stdout).toBe("");
      expect(expired.stderr).toMatch(
        /^pullkey: DEADLINE_EXCEEDED: image "docker\.io\/library\/busybox", rule "hub": gave up waiting for another pullkey exec \(pid \d+\) fetching from static token; the last good credential \(fetched .*\) is past the staleIfError limit, so none was served\n$/,
      );
    } finally {
      holder.kill("SIGKILL");
    }
  }, 30_000);

  it("still answers when the cache folder cannot be used", () => {
    const s = setup(id("no-cache-dir"));
    writeFileSync(join(s.dir, "state"), "a file where the state folder should be");
    const result = exec(path, ["--config", s.config], REQUEST);
    expect(result.status).toBe(0);
    expect(password(result)).toBe(SECRET);
    const human = exec(path, ["get", "busybox", "--config", s.config], "");
    expect(human.stderr).toContain("pullkey: warning: credential cache disabled for this exec:");
  });
});
