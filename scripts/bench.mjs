#!/usr/bin/env node
// Start-up benchmark: runs the built executables the way the kubelet does (request on stdin,
// response read from stdout) and reports median and p90 wall time per exec, as ratios to floors
// measured in the same run: `node -e 0` and a trivial static C program answering the request.
// Scenarios run round-robin so load changes hit all of them alike. Writes BENCHMARKS.md.
//   npm run bench            (BENCH_RUNS=N to change the number of execs per scenario, default 60)
import { execFileSync, spawnSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const runs = Number(process.env.BENCH_RUNS ?? 60);
const work = mkdtempSync(join(tmpdir(), "pullkey-bench-"));
const request = `${JSON.stringify({ kind: "CredentialProviderRequest", apiVersion: "credentialprovider.kubelet.k8s.io/v1", image: "docker.io/library/busybox" })}\n`;
// Copies, so a build running meanwhile cannot swap the files under the benchmark.
const bundle = join(work, "pullkey.cjs");
const sea = join(work, "pullkey");
copyFileSync(join(root, "dist", "pullkey.cjs"), bundle);
copyFileSync(join(root, "dist", "pullkey"), sea);
chmodSync(bundle, 0o755);
chmodSync(sea, 0o755);

// The kubelet passes its whole environment; NODE_EXTRA_CA_CERTS alone adds tens of ms to every
// Node start (shared/reference/packaging.md), so it is measured as its own row, not everywhere.
const baseEnv = { ...process.env };
delete baseEnv.NODE_EXTRA_CA_CERTS;
delete baseEnv.NODE_OPTIONS;

function config(name, { cache, format }) {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "token"), "bench-token\n", { mode: 0o600 });
  const doc = {
    apiVersion: "pullkey/v1",
    kind: "PullkeyConfig",
    stateDir: join(dir, "state"),
    cache: { enabled: cache },
    rules: [
      {
        name: "hub",
        preset: "dockerhub",
        cacheDuration: "1h",
        source: { type: "static", username: "robot", passwordFile: "token" },
      },
    ],
  };
  const file = join(dir, `pullkey.${format}`);
  const yaml = `apiVersion: pullkey/v1\nkind: PullkeyConfig\nstateDir: ${doc.stateDir}\ncache:\n  enabled: ${cache}\nrules:\n  - name: hub\n    preset: dockerhub\n    cacheDuration: 1h\n    source: {type: static, username: robot, passwordFile: token}\n`;
  writeFileSync(file, format === "json" ? JSON.stringify(doc) : yaml);
  return file;
}

function staticFloor() {
  const source = join(work, "floor.c");
  const binary = join(work, "floor");
  const response =
    '{\\"kind\\":\\"CredentialProviderResponse\\",\\"apiVersion\\":\\"credentialprovider.kubelet.k8s.io/v1\\",\\"cacheKeyType\\":\\"Registry\\",\\"cacheDuration\\":\\"1h0m0s\\",\\"auth\\":{}}\\n';
  writeFileSync(
    source,
    `#include <unistd.h>\n#include <string.h>\nint main(void){char b[4096];while(read(0,b,sizeof b)>0){}const char*r="${response}";write(1,r,strlen(r));return 0;}\n`,
  );
  try {
    execFileSync("cc", ["-O2", "-static", "-o", binary, source], { stdio: "ignore" });
    return binary;
  } catch {
    return undefined;
  }
}

const yamlHit = config("yaml-hit", { cache: true, format: "yaml" });
const jsonHit = config("json-hit", { cache: true, format: "json" });
const yamlMiss = config("yaml-miss", { cache: false, format: "yaml" });
const floor = staticFloor();

/** Each scenario: a label, the argv, and extra environment. */
const scenarios = [
  { name: "floor: node -e 0", argv: [process.execPath, "-e", "0"], floor: true },
  ...(floor ? [{ name: "floor: static C program", argv: [floor], floor: true }] : []),
  { name: "bundle, cache hit, YAML config", argv: [bundle, "--config", yamlHit] },
  { name: "bundle, cache hit, JSON config", argv: [bundle, "--config", jsonHit] },
  { name: "bundle, no cache, static source", argv: [bundle, "--config", yamlMiss] },
  { name: "single executable, cache hit, YAML config", argv: [sea, "--config", yamlHit] },
  { name: "single executable, cache hit, JSON config", argv: [sea, "--config", jsonHit] },
  { name: "single executable, no cache, static source", argv: [sea, "--config", yamlMiss] },
  ...(process.env.NODE_EXTRA_CA_CERTS
    ? [
        {
          name: "bundle, cache hit, YAML, with NODE_EXTRA_CA_CERTS",
          argv: [bundle, "--config", yamlHit],
          env: { NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS },
        },
      ]
    : []),
];

function once(scenario) {
  const started = process.hrtime.bigint();
  const result = spawnSync(scenario.argv[0], scenario.argv.slice(1), {
    input: request,
    env: { ...baseEnv, ...scenario.env },
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) {
    throw new Error(
      `${scenario.name} failed: ${result.error ?? ""} ${result.signal ?? ""} ${result.stderr}`,
    );
  }
  return ms;
}

function maxRssKiB(scenario) {
  const result = spawnSync("/usr/bin/time", ["-f", "%M", ...scenario.argv], {
    input: request,
    env: { ...baseEnv, ...scenario.env },
    encoding: "utf8",
  });
  const kib = Number(result.stderr.trim().split("\n").pop());
  return Number.isFinite(kib) ? kib : undefined;
}

const quantile = (values, q) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};

const loadBefore = loadavg()[0];
for (const s of scenarios) for (let i = 0; i < 3; i++) once(s); // warm the page cache and our own cache
const times = new Map(scenarios.map((s) => [s.name, []]));
for (let i = 0; i < runs; i++) for (const s of scenarios) times.get(s.name).push(once(s));
const loadAfter = loadavg()[0];

const nodeFloor = quantile(times.get("floor: node -e 0"), 0.5);
const rows = scenarios.map((s) => {
  const t = times.get(s.name);
  const median = quantile(t, 0.5);
  const rss = existsRss(s);
  return `| ${s.name} | ${median.toFixed(1)} | ${quantile(t, 0.9).toFixed(1)} | ${(median / nodeFloor).toFixed(2)}x | ${rss ?? "n/a"} |`;
});
function existsRss(s) {
  const kib = maxRssKiB(s);
  return kib === undefined ? undefined : `${(kib / 1024).toFixed(1)}`;
}

const report = `# Benchmarks

Measured by \`npm run bench\` (scripts/bench.mjs): ${runs} execs per scenario, run round-robin, each
spawned the way the kubelet does it (request on stdin, response read from stdout). Ratios are to
the \`node -e 0\` floor measured in the same run. Environment without NODE_EXTRA_CA_CERTS and
NODE_OPTIONS unless a row says otherwise.

Machine: ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, Node ${process.version} for the bundle and the floor;
load average ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after. Date: ${new Date().toISOString().slice(0, 10)}.

| scenario | median ms | p90 ms | median / node -e 0 | max RSS MiB |
| --- | ---: | ---: | ---: | ---: |
${rows.join("\n")}

Sizes: dist/pullkey.cjs ${(statSync(bundle).size / 1024).toFixed(0)} KiB (the Vault and AWS sources are embedded as
strings and compiled only when a rule uses them); dist/pullkey ${(statSync(sea).size / 1024 / 1024).toFixed(1)} MiB.
`;
process.stdout.write(report);
writeFileSync(join(root, "BENCHMARKS.md"), report);
rmSync(work, { recursive: true, force: true });
