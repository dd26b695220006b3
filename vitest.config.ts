import { configDefaults, defineConfig } from "vitest/config";
import { VAULT_SERVER_ENV, vaultServers } from "./scripts/peers/vault.mjs";

// The suites that talk to a Vault-API server. The default project runs them against OpenBao;
// when HashiCorp Vault is built (or PULLKEY_PEERS=full asks for it) they run again against it.
const VAULT_SUITES = [
  "test/sources/vault/source.test.ts",
  "test/e2e/vault.test.ts",
  "test/conformance/kubelet.test.ts",
];

export default defineConfig({
  test: {
    // End-to-end tests spawn the built executables; peers take a while on a cold machine.
    testTimeout: 30_000,
    hookTimeout: 30 * 60_000,
    // Two cores: spawning executables in many parallel workers only adds noise.
    maxWorkers: 2,
    reporters: ["default", "./test/reporters/summary.ts"],
    projects: [
      {
        extends: true,
        test: {
          name: "default",
          include: ["test/**/*.test.ts"],
          exclude: [...configDefaults.exclude, "test/node/**"],
          env: { [VAULT_SERVER_ENV]: "openbao" },
        },
      },
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
    ],
  },
});
