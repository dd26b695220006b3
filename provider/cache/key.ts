import { serviceAccountClaims } from "../protocol/token-claims.js";
import { sha256Hex } from "../sha256.js";
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
  return sha256Hex(canonical);
}

/**
 * Who the kubelet asked for in KEP-4412 mode: the service account (namespace, name, uid from the
 * token's claims) and the annotations passed through, not the token itself, which differs per
 * pod. A token that is not a JWT is keyed by its hash.
 */
export function serviceAccountIdentity(sa: ServiceAccountContext): unknown {
  const claims = serviceAccountClaims(sa.token);
  const who = claims
    ? [claims.namespace, claims.name, claims.uid ?? ""]
    : [`sha256:${sha256Hex(sa.token)}`];
  return [who, sortKeys(sa.annotations)];
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
