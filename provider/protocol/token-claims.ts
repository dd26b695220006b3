/**
 * What a Kubernetes service account token says about its pod, read without verification: the
 * backend (Vault, STS) verifies the token; pullkey only uses these claims to key caches, label
 * sessions and fill path templates.
 */
export interface ServiceAccountClaims {
  namespace: string;
  name: string;
  uid?: string;
}

/** Decodes a JWT's claims without verifying it; undefined when it is not a JWT. */
export function jwtClaims(token: string): Record<string, unknown> | undefined {
  const payload = token.split(".")[1];
  if (payload === undefined) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    return typeof claims === "object" && claims !== null
      ? (claims as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The service account a projected token was issued for: its `kubernetes.io` claims, else `sub`
 * (`system:serviceaccount:<namespace>:<name>`). Undefined when the token says neither.
 */
export function serviceAccountClaims(token: string): ServiceAccountClaims | undefined {
  const claims = jwtClaims(token);
  const k8s = claims?.["kubernetes.io"] as
    | { namespace?: unknown; serviceaccount?: { name?: unknown; uid?: unknown } }
    | undefined;
  const namespace = k8s?.namespace;
  const name = k8s?.serviceaccount?.name;
  if (typeof namespace === "string" && typeof name === "string") {
    const uid = k8s?.serviceaccount?.uid;
    return typeof uid === "string" ? { namespace, name, uid } : { namespace, name };
  }
  const sub = claims?.["sub"];
  const parts = typeof sub === "string" ? sub.split(":") : [];
  if (
    parts.length === 4 &&
    parts[0] === "system" &&
    parts[1] === "serviceaccount" &&
    parts[2] &&
    parts[3]
  ) {
    return { namespace: parts[2], name: parts[3] };
  }
  return undefined;
}
