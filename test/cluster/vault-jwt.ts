import { readFileSync } from "node:fs";
import type { TestVault } from "../sources/vault/fixture.js";

/**
 * Vault (or OpenBao) set up as docs/vault.md tells an operator to for KEP-4412: JWT auth at
 * `kubernetes-jwt` trusting the cluster's service-account issuer through its public key
 * (`jwt_validation_pubkeys`), a role that accepts only tokens for the image-pull audience from
 * `team-*` namespaces, and a templated policy that lets a token read its own namespace's
 * secrets only, whatever path pullkey asks for.
 */

export const JWT_MOUNT = "kubernetes-jwt";
export const JWT_ROLE = "image-pull";
/** The audience the kubelet asks the API server for (tokenAttributes) = the role's. */
export const AUDIENCE = "vault.pullkey.test/image-pull";

export async function trustClusterIssuer(
  vault: TestVault,
  { serviceAccountPublicKey }: { serviceAccountPublicKey: string },
): Promise<void> {
  const must = async (method: string, path: string, body?: unknown) => {
    const res = await vault.api(method, path, body);
    if (res.status >= 300)
      throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  await must("POST", `sys/auth/${JWT_MOUNT}`, { type: "jwt" });
  await must("POST", `auth/${JWT_MOUNT}/config`, {
    jwt_validation_pubkeys: [readFileSync(serviceAccountPublicKey, "utf8")],
  });
  const accessor = (await must("GET", "sys/auth")).data[`${JWT_MOUNT}/`].accessor as string;
  await must("PUT", "sys/policies/acl/cluster-team", {
    policy: `path "secret/data/teams/{{identity.entity.aliases.${accessor}.metadata.namespace}}/*" { capabilities = ["read"] }`,
  });
  await must("POST", `auth/${JWT_MOUNT}/role/${JWT_ROLE}`, {
    role_type: "jwt",
    user_claim: "sub",
    bound_audiences: [AUDIENCE],
    bound_claims_type: "glob",
    bound_claims: { "/kubernetes.io/namespace": "team-*" },
    claim_mappings: { "/kubernetes.io/namespace": "namespace" },
    token_policies: ["cluster-team"],
    token_ttl: "1h",
  });
}
