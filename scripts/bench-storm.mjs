#!/usr/bin/env node
// The cold storm: N execs of the single executable started at once against one empty cache, the
// way a node starting N pods of one image runs the plugin, with the default exec budget (20 s)
// and Secrets Manager on moto behind a counting proxy. Reports the slowest exec (the kubelet
// kills at 60 s), the median, how many answered, and how many connections reached the backend
// (single flight: 1). Used by scripts/bench.mjs; alone: node scripts/bench-storm.mjs [N]
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";

/** Runs one storm; `aws` is the rule's source (its endpoint is the counting proxy). */
export async function coldStorm({ executable, env, aws, proxyStats, work, count, name = "storm" }) {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  const config = join(dir, "pullkey.yaml");
  writeFileSync(
    config,
    JSON.stringify({
      apiVersion: "pullkey/v1",
      kind: "PullkeyConfig",
      stateDir: join(dir, "state"),
      rules: [{ name: "hub", preset: "dockerhub", cacheDuration: "1h", source: aws }],
    }),
  );
  const request = `${JSON.stringify({ kind: "CredentialProviderRequest", apiVersion: "credentialprovider.kubelet.k8s.io/v1", image: "docker.io/library/busybox" })}\n`;
  const before = proxyStats.connections;
  const started = performance.now();
  const results = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise((resolve) => {
          const t0 = performance.now();
          const child = spawn(executable, ["--config", config], { env });
          let stdout = "";
          let stderr = "";
          child.stdout.on("data", (d) => {
            stdout += d;
          });
          child.stderr.on("data", (d) => {
            stderr += d;
          });
          child.on("close", (status) =>
            resolve({
              ms: performance.now() - t0,
              ok: status === 0 && stdout.includes('"auth"'),
              code: /^pullkey: ([A-Z_]+):/.exec(stderr)?.[1],
              stderr,
            }),
          );
          child.stdin.end(request);
        }),
    ),
  );
  const times = results.map((r) => r.ms).sort((a, b) => a - b);
  const failures = {};
  for (const r of results.filter((r) => !r.ok))
    failures[r.code ?? "?"] = (failures[r.code ?? "?"] ?? 0) + 1;
  return {
    count,
    answered: results.filter((r) => r.ok).length,
    slowestMs: times[times.length - 1] ?? 0,
    medianMs: times[Math.floor(times.length / 2)] ?? 0,
    wallMs: performance.now() - started,
    backendConnections: proxyStats.connections - before,
    failures,
    stderr: results.filter((r) => !r.ok).map((r) => r.stderr),
    load: loadavg()[0],
  };
}

/** One line for BENCHMARKS.md. */
export function describeStorm(s) {
  return `Cold storm: ${s.count} execs of the single executable started at once on an empty cache, default budget (20s), Secrets Manager on moto, load average ${s.load.toFixed(1)} at the end: ${s.answered} of ${s.count} answered${
    s.answered < s.count
      ? ` (failures: ${Object.entries(s.failures)
          .map(([code, n]) => `${n} ${code}`)
          .join(", ")})`
      : ""
  }; slowest exec ${(s.slowestMs / 1000).toFixed(1)} s (target under 30 s; the kubelet kills at 60 s), median ${(s.medianMs / 1000).toFixed(1)} s, all done in ${(s.wallMs / 1000).toFixed(1)} s; ${s.backendConnections} connection${s.backendConnections === 1 ? "" : "s"} to Secrets Manager (target 1).`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { mkdtempSync, rmSync, copyFileSync, chmodSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { dirname } = await import("node:path");
  const { fileURLToPath } = await import("node:url");
  const { startAwsBackend } = await import("./bench-aws.mjs");
  const root = join(dirname(fileURLToPath(import.meta.url)), "..");
  const work = mkdtempSync(join(tmpdir(), "pullkey-storm-"));
  // STORM_EXECUTABLE: another executable (a wrapper that measures CPU time, an older build).
  const sea = process.env.STORM_EXECUTABLE ?? join(work, "pullkey");
  if (!process.env.STORM_EXECUTABLE) {
    copyFileSync(join(root, "dist", "pullkey"), sea);
    chmodSync(sea, 0o755);
  }
  const backend = await startAwsBackend(work);
  const env = { ...process.env, ...backend.env };
  delete env.NODE_EXTRA_CA_CERTS;
  delete env.NODE_OPTIONS;
  const aws = backend.source;
  const proxyStats = backend.stats;
  const count = Number(process.argv[2] ?? 200);
  const result = await coldStorm({ executable: sea, env, aws, proxyStats, work, count });
  process.stdout.write(`${describeStorm(result)}\n`);
  if (process.env.STORM_STDERR) writeFileSync(process.env.STORM_STDERR, result.stderr.join(""));
  await backend.stop();
  rmSync(work, { recursive: true, force: true });
}
