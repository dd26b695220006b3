import { readFileSync } from "node:fs";
import type { TestVault } from "../sources/vault/fixture.js";

/**
 * Vault (or OpenBao) set up the three ways docs/vault.md tells an operator to trust a cluster's
 * pod tokens for KEP-4412, each at its own mount with a role that accepts only tokens for the
 * image-pull audience from `team-*` namespaces, and a templated policy that lets a login read
 * its own namespace's secrets only, whatever path pullkey asks for:
 * - JWT auth with the API server's service-account public key (`jwt_validation_pubkeys`);
 * - JWT auth fetching the API server's keys from `/openid/v1/jwks` with the cluster's CA;
 * - Kubernetes auth, which sends each token to the API server's TokenReview with a reviewer
 *   token of a real service account (system:auth-delegator).
 */

/** Mounts, by how Vault trusts the tokens. */
export const MOUNTS = {
  pubkeys: "kubernetes-jwt",
  jwks: "kubernetes-jwks",
  tokenReview: "kubernetes-tokenreview",
} as const;
export const JWT_MOUNT = MOUNTS.pubkeys;
export const JWT_ROLE = "image-pull";
/** The audience the kubelet asks the API server for (tokenAttributes) = the roles'. */
export const AUDIENCE = "vault.pullkey.test/image-pull";

export interface ClusterTrust {
  serviceAccountPublicKey: string;
  caCert: string;
  /** The API server's URL, https://127.0.0.1:<port>. */
  server: string;
  /** A token of the reviewer service account, for Kubernetes auth's TokenReview calls. */
  reviewerToken: string;
}

export async function trustCluster(vault: TestVault, trust: ClusterTrust): Promise<void> {
  const must = async (method: string, path: string, body?: unknown) => {
    const res = await vault.api(method, path, body);
    if (res.status >= 300)
      throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const ca = readFileSync(trust.caCert, "utf8");
  for (const mount of [MOUNTS.pubkeys, MOUNTS.jwks]) {
    await must("POST", `sys/auth/${mount}`, { type: "jwt" });
  }
  await must("POST", `sys/auth/${MOUNTS.tokenReview}`, { type: "kubernetes" });
  await must("POST", `auth/${MOUNTS.pubkeys}/config`, {
    jwt_validation_pubkeys: [readFileSync(trust.serviceAccountPublicKey, "utf8")],
  });
  await must("POST", `auth/${MOUNTS.jwks}/config`, {
    jwks_url: `${trust.server}/openid/v1/jwks`,
    jwks_ca_pem: ca,
  });
  await must("POST", `auth/${MOUNTS.tokenReview}/config`, {
    kubernetes_host: trust.server,
    kubernetes_ca_cert: ca,
    token_reviewer_jwt: trust.reviewerToken,
    disable_local_ca_jwt: true,
  });

  const accessors = (await must("GET", "sys/auth")).data;
  // The namespace lands in the login's alias metadata: from a claim mapping for JWT auth, and
  // as service_account_namespace for Kubernetes auth.
  const policy = async (mount: string, key: string) => {
    const accessor = accessors[`${mount}/`].accessor as string;
    await must("PUT", `sys/policies/acl/${mount}-team`, {
      policy: `path "secret/data/teams/{{identity.entity.aliases.${accessor}.metadata.${key}}}/*" { capabilities = ["read"] }`,
    });
  };
  for (const mount of [MOUNTS.pubkeys, MOUNTS.jwks]) {
    await policy(mount, "namespace");
    await must("POST", `auth/${mount}/role/${JWT_ROLE}`, {
      role_type: "jwt",
      user_claim: "sub",
      bound_audiences: [AUDIENCE],
      bound_claims_type: "glob",
      bound_claims: { "/kubernetes.io/namespace": "team-*" },
      claim_mappings: { "/kubernetes.io/namespace": "namespace" },
      token_policies: [`${mount}-team`],
      token_ttl: "1h",
    });
  }
  await policy(MOUNTS.tokenReview, "service_account_namespace");
  await must("POST", `auth/${MOUNTS.tokenReview}/role/${JWT_ROLE}`, {
    bound_service_account_names: ["*"],
    // Listed: Kubernetes auth's glob support is newer than OpenBao's fork.
    bound_service_account_namespaces: ["team-a", "team-b"],
    audience: AUDIENCE,
    token_policies: [`${MOUNTS.tokenReview}-team`],
    token_ttl: "1h",
  });
}
