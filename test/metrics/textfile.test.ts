import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildPlugin, doctor, removeTemps, tempDir } from "../doctor/harness.js";
import { type Exec, execAsync } from "../e2e/artifacts.js";
import { expectNoLeaks } from "../e2e/leaks.js";
import { parseExposition } from "./exposition.js";

/**
 * The metrics textfile written by the built plugin, exec after exec, as node-exporter's textfile
 * collector would read it. The bundle is built here, into a temp folder, so a concurrent
 * `npm run build` of dist/ cannot swap it mid-test.
 */

const SECRET = "metrics-suite-secret-3a9d";
let dir: string;
let plugin: string;
const outputs: Exec[] = [];

const request = (image: string) =>
  `{"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/v1","image":"${image}"}`;

function config(name: string, textfile: string | undefined, log?: string): string {
  const folder = join(dir, name);
  spawnSync("mkdir", ["-p", folder]);
  writeFileSync(join(folder, "token"), `${SECRET}\n`, { mode: 0o600 });
  const file = join(folder, "pullkey.yaml");
  writeFileSync(
    file,
    `apiVersion: pullkey/v1
kind: PullkeyConfig
stateDir: ${join(folder, "state")}
${textfile ? `metrics:\n  textfile: ${textfile}\n` : ""}${log ? `log:\n  file: ${log}\n` : ""}rules:
  - name: hub
    preset: dockerhub
    source: {type: static, username: robot, passwordFile: token}
  - name: broken
    match: ["broken.example"]
    source: {type: static, username: robot, passwordFile: missing-token}
`,
    { mode: 0o600 },
  );
  return file;
}

/** One exec of the plugin, as the kubelet runs it (async, so execs can overlap). */
async function exec(configFile: string, image: string): Promise<Exec> {
  const out = await execAsync(plugin, ["--config", configFile], request(image));
  outputs.push(out);
  return out;
}

beforeAll(async () => {
  dir = tempDir("metrics");
  plugin = await buildPlugin(dir);
});

afterAll(() => {
  expectNoLeaks(outputs, [SECRET]);
  removeTemps();
});

describe("the Prometheus textfile after execs of the built plugin", () => {
  it("adds up answered and failed execs in a valid 0644 textfile", async () => {
    const textDir = join(dir, "textfile_collector");
    await mkdir(textDir);
    const textfile = join(textDir, "pullkey.prom");
    const file = config("counts", textfile);
    const statuses: (number | null)[] = [];
    for (const image of [
      "docker.io/library/busybox",
      "docker.io/library/busybox",
      "docker.io/library/nginx",
    ]) {
      statuses.push((await exec(file, image)).status);
    }
    statuses.push((await exec(file, "quay.io/team/app")).status);
    statuses.push((await exec(file, "broken.example/app")).status);
    expect(statuses).toEqual([0, 0, 0, 1, 1]);

    const samples = parseExposition(readFileSync(textfile, "utf8"));
    const get = (series: string) => samples.get(series);
    expect(get('pullkey_execs_total{result="success",source="static"}')).toBe(3);
    expect(get('pullkey_execs_total{result="failure",source="none"}')).toBe(1);
    expect(get('pullkey_execs_total{result="failure",source="static"}')).toBe(1);
    expect(get('pullkey_exec_failures_total{code="NO_MATCHING_RULE"}')).toBe(1);
    expect(get('pullkey_exec_failures_total{code="SOURCE_UNREADABLE"}')).toBe(1);
    // A password file is read on every exec (local sources are not cached).
    expect(get('pullkey_cache_answers_total{origin="backend"}')).toBe(3);
    expect(get('pullkey_cache_answers_total{origin="cache"}')).toBe(0);
    expect(get('pullkey_cache_answers_total{origin="stale"}')).toBe(0);
    // One read per answered exec, at least one for the broken rule.
    expect(
      get('pullkey_backend_request_duration_seconds_count{source="static"}'),
    ).toBeGreaterThanOrEqual(4);
    const last = get("pullkey_last_success_timestamp_seconds") ?? 0;
    expect(Math.abs(last - Date.now() / 1000)).toBeLessThan(120);
    // No image or registry name in any label: the series count does not grow with workloads.
    expect([...samples.keys()].join("\n")).not.toMatch(
      /busybox|nginx|quay|broken\.example|docker\.io/,
    );

    expect(statSync(textfile).mode & 0o777).toBe(0o644);
    expect(readdirSync(textDir)).toEqual(["pullkey.prom"]);
  });

  it("never shows a reader half a textfile, and counts overlapping execs exactly", async () => {
    const textDir = join(dir, "parallel-textfile");
    await mkdir(textDir);
    const textfile = join(textDir, "pullkey.prom");
    const file = config("parallel", textfile);
    await exec(file, "docker.io/library/busybox");
    // Read the file over and over, as a scrape would, while six execs rewrite it.
    let reads = 0;
    let done = false;
    const reader = (async () => {
      while (!done) {
        parseExposition(readFileSync(textfile, "utf8"));
        reads++;
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    const results = await Promise.all(
      Array.from({ length: 6 }, () => exec(file, "docker.io/library/busybox")),
    );
    done = true;
    await reader;
    expect(reads).toBeGreaterThan(0);
    expect(results.map((r) => r.status)).toEqual([0, 0, 0, 0, 0, 0]);
    const samples = parseExposition(readFileSync(textfile, "utf8"));
    expect(samples.get('pullkey_execs_total{result="success",source="static"}')).toBe(7);
    expect(readdirSync(textDir)).toEqual(["pullkey.prom"]);
  });

  it("counts 51 concurrent execs exactly: none is dropped while another holds the lock", async () => {
    const textDir = join(dir, "storm-textfile");
    await mkdir(textDir);
    const textfile = join(textDir, "pullkey.prom");
    const file = config("storm", textfile);
    const results = await Promise.all(
      Array.from({ length: 51 }, () => exec(file, "docker.io/library/busybox")),
    );
    expect(results.filter((r) => r.status === 0)).toHaveLength(51);
    // The last exec to record may leave its record for the next fold; one more exec folds all.
    await exec(file, "docker.io/library/busybox");
    const samples = parseExposition(readFileSync(textfile, "utf8"));
    expect(samples.get('pullkey_execs_total{result="success",source="static"}')).toBe(52);
    expect(samples.get('pullkey_cache_answers_total{origin="backend"}')).toBe(52);
  }, 120_000);

  it("answers the kubelet even when the textfile cannot be written", async () => {
    const notADir = join(dir, "not-a-folder");
    writeFileSync(notADir, "");
    const file = config("unwritable", join(notADir, "pullkey.prom"));
    const result = await exec(file, "docker.io/library/busybox");
    expect(result.status).toBe(0);
    expect(result.stderr).toBe("");
    expect(JSON.parse(result.stdout).auth["docker.io"].username).toBe("robot");
  });

  it("writes no metrics state when metrics are not configured", async () => {
    const file = config("off", undefined);
    expect((await exec(file, "docker.io/library/busybox")).status).toBe(0);
    expect(existsSync(join(dir, "off", "state", "metrics.json"))).toBe(false);
  });

  it("shows pullkey doctor how many execs the textfile counted", async () => {
    const textDir = join(dir, "doctor-textfile");
    await mkdir(textDir);
    const file = config("doctor", join(textDir, "pullkey.prom"));
    await exec(file, "docker.io/library/busybox");
    await exec(file, "quay.io/team/app");
    const result = await doctor(["--config", file, "--root", tempDir("empty-node"), "--json"]);
    const check = result.report?.checks.find((c) => c.id === "metrics");
    expect(check?.status).toBe("ok");
    expect(check?.summary).toMatch(
      new RegExp(
        `^${textDir}/pullkey.prom written \\d+s ago: 2 execs counted, last success 20\\d\\d-`,
      ),
    );
  });

  it("warns in pullkey doctor when the textfile folder does not exist", async () => {
    const missing = join(dir, "no-such-collector");
    const file = config("doctor-missing", join(missing, "pullkey.prom"));
    const result = await doctor(["--config", file, "--root", tempDir("empty-node"), "--json"]);
    expect(result.report?.checks.find((c) => c.id === "metrics")).toEqual({
      id: "metrics",
      status: "warn",
      summary: `${missing} does not exist, so ${missing}/pullkey.prom is never written: pullkey does not create it; point node-exporter's --collector.textfile.directory there and create it`,
    });
  });

  it("appends one log line per exec, failures included, without the secret", async () => {
    const log = join(dir, "exec.log");
    const file = config("log", undefined, log);
    await exec(file, "docker.io/library/busybox");
    await exec(file, "docker.io/library/busybox");
    await exec(file, "quay.io/team/app");
    const lines = readFileSync(log, "utf8").split("\n").slice(0, -1);
    expect(
      lines.map((l) =>
        l
          .replace(/^time=\S+ /, "")
          .replace(/duration_ms=\d+/, "duration_ms=N")
          .replace(/fetch_ms=\d+/, "fetch_ms=N"),
      ),
    ).toEqual([
      `level=info msg=answered image=docker.io/library/busybox rule=hub source="static ${join(dir, "log", "token")}" origin=backend cacheKeyType=Registry cacheDuration=10m0s duration_ms=N fetch_ms=N`,
      `level=info msg=answered image=docker.io/library/busybox rule=hub source="static ${join(dir, "log", "token")}" origin=backend cacheKeyType=Registry cacheDuration=10m0s duration_ms=N fetch_ms=N`,
      expect.stringMatching(
        /^level=error msg=failed image=quay.io\/team\/app duration_ms=N code=NO_MATCHING_RULE error="no rule in .* matches image \\"quay.io\/team\/app\\"/,
      ),
    ]);
    expect(readFileSync(log, "utf8")).not.toContain(SECRET);
    expect(statSync(log).mode & 0o777).toBe(0o640);
  });

  it("answers the kubelet when journald logging is on and no journald listens", async () => {
    const file = config("journald", undefined);
    writeFileSync(
      file,
      readFileSync(file, "utf8").replace("rules:", "log:\n  journald: true\nrules:"),
    );
    const result = await exec(file, "docker.io/library/busybox");
    expect(result.status).toBe(0);
    expect(result.stderr).toBe("");
  });
});
