import { PullkeyError, quote } from "../../errors.js";
import { serviceAccountClaims } from "../../protocol/token-claims.js";
import type { ServiceAccountContext } from "../source.js";
import type { AwsSecretsManagerSpec } from "./spec.js";

/** Whose AWS credentials read the secret. */
export type AwsIdentity =
  /** The SDK's default chain: env, shared config, web identity file, container, IMDSv2. */
  | { kind: "default" }
  /** The default chain's identity assumes a role (sts:AssumeRole). */
  | { kind: "assumeRole"; roleArn: string; sessionName: string; externalId?: string }
  /** The pod's service account token is exchanged for a role (sts:AssumeRoleWithWebIdentity). */
  | { kind: "webIdentity"; roleArn: string; sessionName: string; token: string; chosenBy: string };

/** The session name used when the config names none. */
export const DEFAULT_SESSION_NAME = "pullkey";

/**
 * Decides how to authenticate for one fetch. Only config picks roles: a service-account
 * annotation may name a role only if that exact ARN is in the rule's allowedRoleArns, so a
 * workload owner can never point the node at an arbitrary account. Pure; no token is checked
 * here (STS verifies it against the role's trust policy).
 */
export function chooseIdentity(
  spec: AwsSecretsManagerSpec,
  serviceAccount: ServiceAccountContext | undefined,
  label: string,
): AwsIdentity {
  const sa = spec.serviceAccount;
  if (sa && serviceAccount) {
    const key = sa.roleArnAnnotation;
    const annotated = key === undefined ? undefined : serviceAccount.annotations[key];
    let roleArn: string;
    let chosenBy: string;
    if (key !== undefined && annotated !== undefined) {
      if (!sa.allowedRoleArns?.includes(annotated)) {
        throw new PullkeyError(
          "SOURCE_DENIED",
          `${label}: the service account's annotation ${quote(key)} names role ${quote(annotated)}, which is not in the rule's allowedRoleArns`,
        );
      }
      roleArn = annotated;
      chosenBy = `annotation ${quote(key)}`;
    } else if (sa.roleArn !== undefined) {
      roleArn = sa.roleArn;
      chosenBy = "config";
    } else {
      throw new PullkeyError(
        "SOURCE_DENIED",
        `${label}: the service account has no annotation ${quote(key ?? "")} naming a role and the rule sets no serviceAccount.roleArn; have the kubelet pass the annotation (tokenAttributes.requiredServiceAccountAnnotationKeys)`,
      );
    }
    return {
      kind: "webIdentity",
      roleArn,
      sessionName: sa.sessionName ?? sessionNameFor(serviceAccount.token),
      token: serviceAccount.token,
      chosenBy,
    };
  }
  if (sa?.requireToken) {
    throw new PullkeyError(
      "SOURCE_AUTH_FAILED",
      `${label}: the request has no service account token and the rule requires one (serviceAccount.requireToken); the kubelet sends it only when its provider config has tokenAttributes (KEP-4412)`,
    );
  }
  if (spec.assumeRole) {
    return {
      kind: "assumeRole",
      roleArn: spec.assumeRole.roleArn,
      sessionName: spec.assumeRole.sessionName ?? DEFAULT_SESSION_NAME,
      ...(spec.assumeRole.externalId === undefined
        ? {}
        : { externalId: spec.assumeRole.externalId }),
    };
  }
  return { kind: "default" };
}

/** Names the identity in error lines: which role, and how it was obtained. Never the token. */
export function describeIdentity(identity: AwsIdentity): string {
  switch (identity.kind) {
    case "default":
      return "default AWS credentials";
    case "assumeRole":
      return `role ${identity.roleArn} assumed with the default AWS credentials`;
    case "webIdentity":
      return `role ${identity.roleArn} (from ${identity.chosenBy}) assumed with the pod's service account token`;
  }
}

/**
 * A session name that says whose pull it was in CloudTrail: `pullkey-<namespace>-<name>` from
 * the token's `kubernetes.io` claims, read without verification (STS verifies the token; this
 * only labels the session). Falls back to `pullkey` when the token has no such claims.
 */
export function sessionNameFor(token: string): string {
  const sa = serviceAccountClaims(token);
  if (!sa) return DEFAULT_SESSION_NAME;
  // RoleSessionName allows [\w+=,.@-]{2,64}; Kubernetes names are DNS labels, so this is lossless
  // except for length.
  return `${DEFAULT_SESSION_NAME}-${sa.namespace}-${sa.name}`
    .replace(/[^\w+=,.@-]/g, "_")
    .slice(0, 64);
}
