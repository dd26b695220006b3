#!/usr/bin/env node
// Provisions every test peer before vitest starts, one after another, so that a first build on a
// brand-new machine (Vault, under PULLKEY_PEERS=full: ~20 CPU-minutes; each conformance release:
// several minutes) never races a test's hook timeout, and two Go builds never fight over the
// machine's two cores. On a machine that has them (cached under $HOME/.cache/pullkey-test-peers),
// this takes a second.
import { ensureBusybox, IMAGE_ARCHES } from "../release/busybox.mjs";
import { clusterTierUnsupported, ensureClusterPeers } from "./cluster.mjs";
import { ensureHarness, harnessReleases } from "./conformance.mjs";
import { ensureDebianPackages } from "./debian.mjs";
import { ensureHelm } from "./helm.mjs";
import { ensureKubernetesOpenApi } from "./kubernetes-openapi.mjs";
import { ensureMoto } from "./moto.mjs";
import { ensureCrane, ensureNodePeers, nodeTierUnsupported } from "./node.mjs";
import { ensureOpenBao } from "./openbao.mjs";
import { ensureRegistry } from "./registry.mjs";
import { ensureVault, vaultServers } from "./vault.mjs";

const steps = [
  // The cache tests count opens of a password file with inotify.
  [
    "inotifywait (inotify-tools)",
    () =>
      ensureDebianPackages([{ binary: "inotifywait", pkg: "inotify-tools" }], {
        why: "the cache tests",
      }),
  ],
  // The credential-helper tests run Debian's docker-credential-pass over a throwaway pass store.
  [
    "gpg, pass, docker-credential-pass",
    () =>
      ensureDebianPackages(
        [
          { binary: "gpg", pkg: "gnupg" },
          { binary: "pass", pkg: "pass" },
          { binary: "docker-credential-pass", pkg: "golang-docker-credential-helpers" },
        ],
        { why: "the credential-helper tests" },
      ),
  ],
  ["moto (AWS)", () => ensureMoto()],
  ["CNCF distribution registry", () => ensureRegistry()],
  ["OpenBao", () => ensureOpenBao()],
  // HashiCorp Vault's build is ~20 CPU-minutes: only when PULLKEY_PEERS=full (CI) asks for it,
  // or to confirm a cached one; without it the Vault suites run against OpenBao alone.
  ...(vaultServers().includes("vault") ? [["HashiCorp Vault", () => ensureVault()]] : []),
  ...harnessReleases().map((release) => [
    `kubelet conformance harness for Kubernetes ${release.kubernetes}`,
    () => ensureHarness(release),
  ]),
  // The installer image tests (test/release) build the image around Debian's static busybox
  // for each architecture and check it with crane.
  [
    "busybox-static (amd64, arm64) and crane",
    async () => {
      for (const arch of IMAGE_ARCHES) await ensureBusybox(arch);
      await ensureCrane();
    },
  ],
  // The chart tests (test/release): helm lint/template, and the Kubernetes API's OpenAPI
  // documents the rendered objects are validated against.
  [
    "helm and the Kubernetes OpenAPI schema",
    async () => {
      await ensureHelm();
      await ensureKubernetesOpenApi();
    },
  ],
  // The Kubernetes build (kubelet, control plane, kubectl, etcd; kubernetes.mjs) is the longest
  // of all (12-50 min cold); the node tier runs its kubelet, the cluster tier all of it. A
  // machine that cannot run the tiers (no root, namespaces or cgroups) skips them, so it builds
  // nothing for them.
  ...((await nodeTierUnsupported()) === undefined
    ? [["node tier (Kubernetes build, crane, containerd, runc)", () => ensureNodePeers()]]
    : []),
  ...((await clusterTierUnsupported()) === undefined
    ? [["cluster tier (CNI loopback plugin)", () => ensureClusterPeers()]]
    : []),
];

for (const [name, ensure] of steps) {
  const started = Date.now();
  await ensure();
  process.stderr.write(`peers: ${name} ready (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
}
