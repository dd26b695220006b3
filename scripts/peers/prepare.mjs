#!/usr/bin/env node
// Provisions every test peer before vitest starts, one after another, so that a first build on a
// brand-new machine (Vault: ~20 CPU-minutes; each conformance release: several minutes) never
// races a test's hook timeout, and two Go builds never fight over the machine's two cores. On a
// machine that has them (cached under $HOME/.cache/pullkey-test-peers), this takes a second.
import { ensureHarness, harnessReleases } from "./conformance.mjs";
import { ensureMoto } from "./moto.mjs";
import { ensureRegistry } from "./registry.mjs";
import { ensureVault } from "./vault.mjs";

const steps = [
  ["moto (AWS)", () => ensureMoto()],
  ["CNCF distribution registry", () => ensureRegistry()],
  ["Vault", () => ensureVault()],
  ...harnessReleases().map((release) => [
    `kubelet conformance harness for Kubernetes ${release.kubernetes}`,
    () => ensureHarness(release),
  ]),
];

for (const [name, ensure] of steps) {
  const started = Date.now();
  await ensure();
  process.stderr.write(`peers: ${name} ready (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
}
