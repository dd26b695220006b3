import type { Moto } from "../../scripts/peers/moto.mjs";
import type { User } from "../node/registry.js";
import {
  createRole,
  createSecret,
  READ_SECRETS,
} from "../sources/aws-secrets-manager/moto-fixtures.js";
import { AUDIENCE } from "./vault-jwt.js";

/**
 * What the test cluster holds besides its nodes: the teams' registry users, the namespaces and
 * service accounts, the RBAC an operator adds for pullkey and for Vault, and the AWS roles and
 * secret in moto.
 */

/** Registry users, one per team (bcrypt cost 4, as the node tier's). */
export const TEAM_USERS = {
  "team-a": {
    user: "team-a-puller",
    password: "cluster-team-a-password-7f3e",
    hash: "$2b$04$5qjuyh06.328yWzyjrEqZuUZkjHOqRl.KmUo5syQkmr0rU1SVHQSK",
  },
  "team-b": {
    user: "team-b-puller",
    password: "cluster-team-b-password-2d81",
    hash: "$2b$04$86Vj/Dxu2kdv2BXnHI/kru3qGez9a6fTtljXK2ZUVs3cADSc2JEGm",
  },
} as const satisfies Record<string, User>;

/** team-a's registry password after the rotation scenario (same user). */
export const TEAM_A_ROTATED = {
  user: "team-a-puller",
  password: "cluster-team-a-password-rotated-b40c",
  hash: "$2b$04$Np7pNPZMM2GIsIpsk8OddeZ7ePkZYwzh1yQ8YIA9vmcgipaNEvgYq",
} as const satisfies User;

/** The namespaces: two teams Vault knows, and one its role does not bind. */
export const NAMESPACES = ["team-a", "team-b", "outsiders"] as const;

/** The ClusterRole (and binding) letting nodes ask for tokens with the image-pull audience. */
export const AUDIENCE_RBAC = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: kubelet-image-pull-audience
rules:
  - apiGroups: [""]
    resources: ["${AUDIENCE}"]
    verbs: ["request-serviceaccounts-token-audience"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: kubelet-image-pull-audience
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: kubelet-image-pull-audience
subjects:
  - apiGroup: rbac.authorization.k8s.io
    kind: Group
    name: system:nodes
`;

/**
 * What Vault needs from the cluster: Kubernetes auth's reviewer (a service account allowed to
 * call TokenReview), and anonymous reads of the issuer's discovery documents for jwks_url.
 */
export const VAULT_ACCESS_RBAC = `apiVersion: v1
kind: ServiceAccount
metadata:
  name: vault-reviewer
  namespace: kube-system
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: vault-reviewer-auth-delegator
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: system:auth-delegator
subjects:
  - kind: ServiceAccount
    name: vault-reviewer
    namespace: kube-system
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: service-account-issuer-discovery-public
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: system:service-account-issuer-discovery
subjects:
  - apiGroup: rbac.authorization.k8s.io
    kind: Group
    name: system:unauthenticated
`;

/** The AWS rule: one secret (team-b's registry user), read with the role the annotation names. */
export const AWS_SECRET = "cluster/registry";
export const AWS_ROLE_ANNOTATION = "pullkey.test/aws-role-arn";

/** Two roles in moto: one the rule allows, one it does not. */
export async function createAwsRoles(moto: Moto): Promise<{ allowed: string; other: string }> {
  const allowed = await createRole(moto, "cluster-team-pull", READ_SECRETS);
  const other = await createRole(moto, "cluster-other-pull", READ_SECRETS);
  const user = TEAM_USERS["team-b"];
  await createSecret(
    moto,
    AWS_SECRET,
    JSON.stringify({ username: user.user, password: user.password }),
  );
  return { allowed, other };
}

/** The namespaces, each with a `builder` service account. */
export function clusterObjects(): string {
  return NAMESPACES.map(
    (ns) => `apiVersion: v1
kind: Namespace
metadata:
  name: ${ns}
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: builder
  namespace: ${ns}
`,
  ).join("---\n");
}
