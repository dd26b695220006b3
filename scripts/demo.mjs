#!/usr/bin/env node
// The README quickstart: asks the built plugin for Docker Hub credentials exactly as the kubelet
// would (a CredentialProviderRequest on stdin), with the example config and its demo docker
// config, and shows the request and the response. No Vault, AWS or cluster needed. The example is
// copied to a temp folder with its stateDir there, so the demo leaves nothing on the machine.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const plugin = join(root, "dist", "pullkey.cjs");
const examples = join(root, "config", "examples");
const work = mkdtempSync(join(tmpdir(), "pullkey-demo-"));
const config = join(work, "docker-config.yaml");
copyFileSync(join(examples, "docker-config.json"), join(work, "docker-config.json"));
writeFileSync(
  config,
  `${readFileSync(join(examples, "docker-config.yaml"), "utf8")}stateDir: ${join(work, "state")}\n`,
);
const request = `${JSON.stringify({
  kind: "CredentialProviderRequest",
  apiVersion: "credentialprovider.kubelet.k8s.io/v1",
  image: "docker.io/library/busybox",
})}\n`;

process.stdout.write(`config: ${relative(root, join(examples, "docker-config.yaml"))}\n`);
process.stdout.write(`stdin  (from the kubelet): ${request}`);
const result = spawnSync(plugin, ["--config", config], { input: request, encoding: "utf8" });
process.stdout.write(`stdout (to the kubelet):   ${result.stdout}`);
if (result.stderr) process.stdout.write(`stderr: ${result.stderr}`);
process.stdout.write(`exit status ${result.status}\n`);
rmSync(work, { recursive: true, force: true });
process.exitCode = result.status ?? 1;
