import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ensureHarness,
  harnessReleases,
  harnessScenarios,
  listHarness,
  runHarness,
} from "../../scripts/peers/conformance.mjs";
import { type Moto, startMoto } from "../../scripts/peers/moto.mjs";
import { ensureRegistry } from "../../scripts/peers/registry.mjs";
import { selectedVaultServer } from "../../scripts/peers/vault.mjs";
import { ARTIFACTS } from "../e2e/artifacts.js";
import { startTestVault, type TestVault } from "../sources/vault/fixture.js";
import { setUpAwsFixture } from "./aws-fixture.js";
import { setUpVaultFixture } from "./vault-fixture.js";

// The kubelet's own credential-provider code (test/conformance, Go) against each built
// artifact, once per pinned Kubernetes release. Each Go scenario is one test here, named by
// its Go name read as a sentence: TestALookupAfter... -> "a lookup after ...".
const matchTable = fileURLToPath(
  new URL("../fixtures/matching/kubelet-match.json", import.meta.url),
);
// The default project runs every scenario, its Vault ones against OpenBao; the hashicorp-vault
// project (vitest.config.ts) runs this file again with the Vault scenarios only.
const vaultOnly = selectedVaultServer() === "vault";
const compiled = harnessScenarios();
const scenarios = harnessScenarios(vaultOnly ? { file: "vault_test.go" } : {}).map((name) => ({
  name,
  sentence: asSentence(name),
}));

// A first build of each release took 10.5 min on a busy two-core machine; later runs reuse the
// cached binary (a source change rebuilds in under half a minute from Go's build cache).
const BUILD_TIMEOUT = 30 * 60_000;
const SCENARIO_TIMEOUT = 5 * 60_000;

let registryBin = "";
let moto: Moto | undefined;
let aws = "";
let testVault: TestVault | undefined;
let vault = "";
beforeAll(async () => {
  registryBin = await ensureRegistry();
  // One moto for every run: each scenario keeps its own pullkey state, and reads moto's STS
  // records before and after its kubelet runs. From setup on, moto checks every request's
  // signature and the IAM policy of whoever signed it.
  if (!vaultOnly) {
    moto = await startMoto();
    aws = JSON.stringify(await setUpAwsFixture(moto));
    await moto.enforceAuth(0);
  }
  // One Vault-API server too: its secrets, AppRole and JWT auth serve every run unchanged, and pullkey's
  // token store lives in each scenario's own state folder.
  testVault = await startTestVault();
  vault = JSON.stringify(await setUpVaultFixture(testVault));
}, BUILD_TIMEOUT);
afterAll(async () => {
  await moto?.stop();
  await testVault?.stop();
});

// Plain loops rather than describe.each/it.each: the titles stay whole sentences, unquoted.
for (const release of harnessReleases()) {
  describe(`the kubelet of Kubernetes ${release.kubernetes}`, () => {
    let binary = "";
    beforeAll(async () => {
      binary = await ensureHarness(release);
    }, BUILD_TIMEOUT);

    it("runs every scenario compiled into the harness", async () => {
      expect(await listHarness(binary)).toEqual(compiled);
    });

    for (const artifact of ARTIFACTS) {
      describe(`through the ${artifact.name}`, () => {
        for (const { name, sentence } of scenarios) {
          it(
            sentence,
            async () => {
              const result = await runHarness(binary, {
                pullkeyBin: artifact.path,
                registryBin,
                matchTable,
                aws,
                vault,
                run: `^${name}$`,
              });
              expect(result.status, `${name} failed:\n${result.output}`).toBe(0);
            },
            SCENARIO_TIMEOUT,
          );
        }
      });
    }
  });
}

/** "TestEveryProviderAPIVersionAndConfigFormat" -> "every provider API version and config format" */
function asSentence(goName: string): string {
  const words = goName.replace(/^Test/, "").match(/[A-Z]+(?![a-z])|[A-Z][a-z0-9]*/g) ?? [];
  return words.map((w) => (w.length > 1 && w === w.toUpperCase() ? w : w.toLowerCase())).join(" ");
}
