import { createHash } from "node:crypto";
import type { ServiceAccountContext } from "../sources/source.js";

/** What makes two fetches interchangeable: same rule, same source settings, same registry and pod identity. */
export interface CacheKeyParts {
  rule: string;
  /** The rule's source spec, as configured. */
  source: unknown;
  /** Folder relative source paths resolve against: the same spec in two configs may differ. */
  baseDir: string;
  registry: string;
  serviceAccount?: ServiceAccountContext | undefined;
}

/**
 * The file name of a cache entry: a hash, so no request data (image names, annotations) ever
 * reaches a path. A source's answer may depend on the registry and the service account, never on
 * the image path, which is what lets one entry serve every image of a registry.
 */
export function cacheKey(parts: CacheKeyParts): string {
  const identity = parts.serviceAccount ? serviceAccountIdentity(parts.serviceAccount) : null;
  const canonical = JSON.stringify([
    1,
    parts.rule,
    sortKeys(parts.source),
    parts.baseDir,
    parts.registry,
    identity,
  ]);
  return createHash("sha256").update(canonical).digest("hex");
}

/**
 * Who the kubelet asked for in KEP-4412 mode: the service account (namespace, name, uid from the
 * token's claims) and the annotations passed through, not the token itself, which differs per
 * pod. A token that is not a JWT is keyed by its hash.
 */
export function serviceAccountIdentity(sa: ServiceAccountContext): unknown {
  const claims = jwtClaims(sa.token);
  const k8s = claims?.["kubernetes.io"] as
    | { namespace?: unknown; serviceaccount?: { name?: unknown; uid?: unknown } }
    | undefined;
  const who =
    k8s && typeof k8s.namespace === "string" && typeof k8s.serviceaccount?.name === "string"
      ? [k8s.namespace, k8s.serviceaccount.name, String(k8s.serviceaccount.uid ?? "")]
      : [`sha256:${createHash("sha256").update(sa.token).digest("hex")}`];
  return [who, sortKeys(sa.annotations)];
}

/** Decodes a JWT's claims without verifying it: only for keying, the backend verifies the token. */
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

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
  );
}
