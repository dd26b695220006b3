import { defineSource } from "../descriptor.js";
import { describeVaultSpec, vaultSpecFiles } from "./describe.js";
import { type VaultSpec, vaultSpec } from "./spec.js";

/** HashiCorp Vault (or OpenBao): a network source with node-vault behind it. */
export const vault = defineSource<VaultSpec>({
  type: "vault",
  schema: vaultSpec,
  folder: "vault",
  cached: true,
  lazy: true,
  describe: describeVaultSpec,
  files: vaultSpecFiles,
  load: async () => (await import("./source.js")).vaultSource,
});
