#!/usr/bin/env node
// The README quickstart: asks the built plugin for Docker Hub credentials exactly as the kubelet
// would (a CredentialProviderRequest on stdin), using the example config and its demo docker
// config, and shows the request and the response. No Vault, AWS or cluster needed.
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const plugin = join(root, "dist", "pullkey.cjs");
const config = join(root, "config", "examples", "docker-config.yaml");
const request = `${JSON.stringify({
  kind: "CredentialProviderRequest",
  apiVersion: "credentialprovider.kubelet.k8s.io/v1",
  image: "docker.io/library/busybox",
})}\n`;

process.stdout.write(`$ ${plugin} --config ${config}\n`);
process.stdout.write(`stdin  (from the kubelet): ${request}`);
const result = spawnSync(plugin, ["--config", config], { input: request, encoding: "utf8" });
process.stdout.write(`stdout (to the kubelet):   ${result.stdout}`);
if (result.stderr) process.stdout.write(`stderr: ${result.stderr}`);
process.stdout.write(`exit status ${result.status}\n`);
process.exitCode = result.status ?? 1;
