import * as z from "zod/mini";
import { awsSecretsManagerSpec } from "./aws-secrets-manager/spec.js";
import { dockerConfigSpec } from "./docker-config/spec.js";
import { staticSpec } from "./static/spec.js";
import { vaultSpec } from "./vault/spec.js";

/** Every source's config shape, told apart by `type`. Adding a source adds one entry here. */
export const sourceSpec = z.discriminatedUnion("type", [
  awsSecretsManagerSpec,
  dockerConfigSpec,
  staticSpec,
  vaultSpec,
]);

export type SourceSpec = z.infer<typeof sourceSpec>;
export type SourceType = SourceSpec["type"];
