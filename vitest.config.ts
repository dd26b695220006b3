import { defineConfig } from "vitest/config";
import { VAULT_SERVER_ENV, vaultServers } from "./scripts/peers/vault.mjs";
import { canRun } from "./scripts/sea/arch.mjs";
import { RELEASE_DIR_ENV, releaseCacheDir } from "./test/release/cache.js";

// The suites that talk to a Vault-API server. Every tier runs them against OpenBao; when
// HashiCorp Vault is built (or PULLKEY_PEERS=full asks for it) they run again against it.
const VAULT_SUITES = [
  "test/sources/vault/source.test.ts",
  "test/e2e/vault.test.ts",
  "test/conformance/kubelet.test.ts",
];

// Tiers, fastest first (docs/testing.md): `unit` is pure code (no built artifact, no process,
// no peer) and is the inner loop, `npm run test:unit`; `peers` talks to real servers and real
// node trees; `e2e` runs the built executables; `conformance` runs the kubelet's own Go code;
// `release` (below) builds and checks the release, the installer image included.
const TIERS = {
  unit: ["test/unit/**/*.test.ts", "test/node-model/**/*.test.ts", "test/properties/**/*.test.ts"],
  peers: [
    "test/sources/**/*.test.ts",
    "test/install/**/*.test.ts",
    "test/doctor/**/*.test.ts",
    "test/logs/**/*.test.ts",
    "test/metrics/**/*.test.ts",
  ],
  // test/chart: the Helm chart (helm lint and template, the API schema, pullkey install --dry-run
  // with the built executable), which needs no release.
  e2e: ["test/e2e/**/*.test.ts", "test/chart/**/*.test.ts"],
  conformance: ["test/conformance/**/*.test.ts"],
};

// The release tier builds npm run release once per commit (test/release/setup.ts) and checks it,
// then runs the wire and failure suites on its executables, arm64 under qemu. Without qemu (and
// no root to install it) the arm64 executable can be neither built nor run: one line says so.
const releaseDir = (() => {
  try {
    return { ok: true as const, dir: releaseCacheDir() };
  } catch {
    return { ok: false as const, reason: "not a git checkout: a release is built from a commit" };
  }
})();
const foreign = [releaseDir, canRun("x64"), canRun("arm64")].find((verdict) => !verdict.ok);
if (foreign && !foreign.ok) process.stderr.write(`release tier skipped: ${foreign.reason}\n`);
const RELEASE = {
  extends: true as const,
  test: {
    name: "release",
    include: ["test/release/**/*.test.ts", "test/e2e/wire.test.ts", "test/e2e/failures.test.ts"],
    globalSetup: ["test/release/setup.ts"],
    env: { [RELEASE_DIR_ENV]: releaseDir.ok ? releaseDir.dir : "" },
    // An exec under qemu takes a second or two.
    testTimeout: 120_000,
  },
};

export default defineConfig({
  test: {
    // End-to-end tests spawn the built executables; peers take a while on a cold machine.
    testTimeout: 30_000,
    hookTimeout: 30 * 60_000,
    // Two cores: spawning executables in many parallel workers only adds noise.
    maxWorkers: 2,
    reporters: ["default", "./test/reporters/summary.ts"],
    env: { [VAULT_SERVER_ENV]: "openbao" },
    projects: [
      ...Object.entries(TIERS).map(([name, include]) => ({
        extends: true as const,
        test: { name, include },
      })),
      ...(vaultServers().includes("vault")
        ? [
            {
              extends: true as const,
              test: {
                name: "hashicorp-vault",
                include: VAULT_SUITES,
                env: { [VAULT_SERVER_ENV]: "vault" },
              },
            },
          ]
        : []),
      ...(foreign ? [] : [RELEASE]),
      {
        // A real kubelet, containerd and registry per file (test/node/node.ts), one file at a
        // time: nodes share the machine's cgroups and its two cores.
        extends: true,
        test: {
          name: "node",
          include: ["test/node/**/*.test.ts"],
          testTimeout: 120_000,
          fileParallelism: false,
        },
      },
      // A real single-node cluster per file (test/cluster/setup.ts): ~760 MiB and both cores
      // while it starts, so it runs after every other tier, one file and one Vault at a time.
      ...vaultServers().map((server, i) => ({
        extends: true as const,
        test: {
          name: server === "openbao" ? "cluster" : "cluster-hashicorp-vault",
          // The DaemonSet install is Vault-agnostic: once, against OpenBao.
          include:
            server === "openbao" ? ["test/cluster/**/*.test.ts"] : ["test/cluster/kep4412.test.ts"],
          testTimeout: 120_000,
          fileParallelism: false,
          sequence: { groupOrder: 1 + i },
          env: { [VAULT_SERVER_ENV]: server },
        },
      })),
    ],
  },
});
