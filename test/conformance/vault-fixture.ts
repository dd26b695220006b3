import { generateKeyPairSync } from "node:crypto";
import { newSecret, type TestVault } from "../sources/vault/fixture.js";

// What the Go harness's Vault scenarios need (vault_test.go, vaultFixture), put into the Vault
// that test/sources/vault/fixture.ts sets up (KV v2 at secret/, AppRole role "pullkey" with a
// policy that reads secret/data/registries/*): the node's Docker Hub secret, and, for KEP-4412,
// a JWT auth mount that trusts a key pair made here, whose private half the harness's fake API
// server signs service account tokens with.

/** The JSON the harness reads from PULLKEY_CONFORMANCE_VAULT. */
export interface VaultFixture {
  address: string;
  node: {
    roleId: string;
    secretId: string;
    /** Path in the KV v2 mount `secret`, without data/. */
    secretPath: string;
    credential: { username: string; password: string };
  };
  jwt: {
    mount: string;
    role: string;
    audience: string;
    /**
     * PKCS #8 PEM private keys of the service account issuer, by JWS algorithm: an RSA key
     * (RS256, as kubeadm's sa.key) and a P-256 key (ES256). Vault trusts both public halves.
     */
    signingKeys: { RS256: string; ES256: string };
    /** Secret path template in the KV v2 mount `secret`. */
    pathTemplate: string;
  };
  /** Service accounts the role is bound to, each with the credential under its namespace. */
  teams: {
    namespace: string;
    serviceAccount: string;
    credential: { username: string; password: string };
  }[];
  /** A service account with a validly signed token that the role is not bound to. */
  outsider: { namespace: string; serviceAccount: string };
}

const JWT_MOUNT = "kubelet-jwt";
const JWT_ROLE = "image-pull";
const AUDIENCE = "vault.example/kubelet-image-pull";
const TEAMS = [
  { namespace: "team-a", serviceAccount: "builder" },
  { namespace: "team-b", serviceAccount: "deployer" },
];

/** Puts the harness's Vault world into a set-up test Vault and describes it for the harness. */
export async function setUpVaultFixture(vault: TestVault): Promise<VaultFixture> {
  const must = async (method: string, path: string, body?: unknown) => {
    const res = await vault.api(method, path, body);
    if (res.status >= 300) {
      throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    }
    return res.body;
  };

  const secretPath = "registries/conformance-dockerhub";
  const nodeCredential = { username: "vault-node", password: newSecret("vault-node") };
  await vault.writeSecret(`secret/${secretPath}`, nodeCredential);

  const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const ec = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  await must("POST", `sys/auth/${JWT_MOUNT}`, { type: "jwt" });
  await must("POST", `auth/${JWT_MOUNT}/config`, {
    jwt_validation_pubkeys: [rsa.publicKey, ec.publicKey].map((k) =>
      k.export({ type: "spki", format: "pem" }),
    ),
  });
  // The role admits exactly the two teams' service accounts (by the token's sub), and maps the
  // token's namespace claim into alias metadata, so one templated policy (docs/vault.md) lets
  // each account read only its own namespace's secrets, whatever path pullkey asks for.
  const accessor = (await must("GET", "sys/auth")).data[`${JWT_MOUNT}/`].accessor as string;
  await must("PUT", "sys/policies/acl/kubelet-image-pull", {
    policy: `path "secret/data/kubelet-teams/{{identity.entity.aliases.${accessor}.metadata.namespace}}/*" { capabilities = ["read"] }`,
  });
  await must("POST", `auth/${JWT_MOUNT}/role/${JWT_ROLE}`, {
    role_type: "jwt",
    user_claim: "sub",
    bound_audiences: [AUDIENCE],
    bound_claims: {
      sub: TEAMS.map((t) => `system:serviceaccount:${t.namespace}:${t.serviceAccount}`),
    },
    claim_mappings: { "/kubernetes.io/namespace": "namespace" },
    token_policies: ["kubelet-image-pull"],
    token_ttl: "1h",
  });

  const teams: VaultFixture["teams"] = [];
  for (const team of TEAMS) {
    const credential = { username: `vault-${team.namespace}`, password: newSecret(team.namespace) };
    await vault.writeSecret(`secret/kubelet-teams/${team.namespace}/dockerhub`, credential);
    teams.push({ ...team, credential });
  }
  return {
    address: vault.address,
    node: { ...vault.appRole, secretPath, credential: nodeCredential },
    jwt: {
      mount: JWT_MOUNT,
      role: JWT_ROLE,
      audience: AUDIENCE,
      signingKeys: {
        RS256: rsa.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
        ES256: ec.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
      },
      pathTemplate: "kubelet-teams/{{namespace}}/dockerhub",
    },
    teams,
    outsider: { namespace: "team-a", serviceAccount: "intruder" },
  };
}
