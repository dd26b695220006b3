import { PullkeyError, quote } from "../../errors.js";
import type { RegistryCredential } from "../source.js";

/** One `auths` entry, keyed by the registry host it serves. */
export interface DockerAuthEntry {
  /** The key as written in the file. */
  key: string;
  /** `host[:port][/path]` after normalisation (Docker Hub aliases become `docker.io`). */
  registry: string;
  fields: Record<string, unknown>;
}

// Every spelling of Docker Hub found in config.json files; images reach the kubelet as docker.io.
const DOCKER_HUB_ALIASES = new Set([
  "docker.io",
  "index.docker.io",
  "registry-1.docker.io",
  "registry.hub.docker.com",
]);

/** Normalises an `auths` key: drop the scheme, the `/v1/` or `/v2/` API path and trailing slashes. */
export function normaliseRegistryKey(key: string): string {
  let rest = key.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, "");
  rest = rest.replace(/\/v[12](\/.*)?$/, "").replace(/\/+$/, "");
  const slash = rest.indexOf("/");
  const host = (slash < 0 ? rest : rest.slice(0, slash)).toLowerCase();
  const path = slash < 0 ? "" : rest.slice(slash);
  return `${DOCKER_HUB_ALIASES.has(host) ? "docker.io" : host}${path}`;
}

/**
 * Parses a docker config.json (or a legacy ~/.dockercfg) into its `auths` entries. `what` names
 * the document in messages (`docker config /etc/pullkey/docker.json`, `Vault secret kv/x field
 * "dockerconfigjson"`). Secret-bearing content is never quoted back, and parser errors are not
 * wrapped: failures say where, not what.
 */
export function parseDockerConfig(bytes: Uint8Array, what: string): DockerAuthEntry[] {
  return dockerConfigEntries(parseDockerConfigDocument(bytes, what), what);
}

/** Decodes a docker config.json to its top-level object, failing without quoting the content. */
export function parseDockerConfigDocument(
  bytes: Uint8Array,
  what: string,
): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw new PullkeyError("SOURCE_FORMAT", `${what} is not valid JSON`);
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    throw new PullkeyError("SOURCE_FORMAT", `${what} is not a JSON object`);
  }
  return doc as Record<string, unknown>;
}

/**
 * The `auths` entries of an already-decoded docker config document, for a document that must
 * hold its credentials inline (a secret in Vault or AWS: no credential helper runs for those).
 */
export function dockerConfigEntries(doc: unknown, what: string): DockerAuthEntry[] {
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    throw new PullkeyError("SOURCE_FORMAT", `${what} is not a JSON object`);
  }
  const root = doc as Record<string, unknown>;
  const entries = authsEntries(root, what);
  if (entries.length === 0) {
    const helper = helperName(root);
    throw new PullkeyError(
      "SOURCE_FORMAT",
      helper
        ? `${what} keeps its credentials in a credential helper (${helper}); pullkey reads only inline "auths" entries: write one (e.g. docker login with no credsStore) or use the static source`
        : `${what} has no "auths" entries`,
    );
  }
  return entries;
}

/** The `auths` entries (or a legacy ~/.dockercfg's top-level ones) of a decoded document; may be empty. */
export function authsEntries(root: Record<string, unknown>, what: string): DockerAuthEntry[] {
  const auths = root["auths"] ?? legacyAuths(root);
  if (
    auths !== undefined &&
    (typeof auths !== "object" || auths === null || Array.isArray(auths))
  ) {
    throw new PullkeyError("SOURCE_FORMAT", `${what}: "auths" is not an object`);
  }
  return Object.entries((auths ?? {}) as Record<string, unknown>).map(([key, value]) => {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new PullkeyError("SOURCE_FORMAT", `${what}: auths[${quote(key)}] is not an object`);
    }
    return { key, registry: normaliseRegistryKey(key), fields: value as Record<string, unknown> };
  });
}

/** A ~/.dockercfg has registries at the top level instead of under `auths`. */
function legacyAuths(root: Record<string, unknown>): Record<string, unknown> | undefined {
  const legacy = Object.entries(root).filter(
    ([, v]) => typeof v === "object" && v !== null && ("auth" in v || "username" in v),
  );
  return legacy.length > 0 ? Object.fromEntries(legacy) : undefined;
}

function helperName(root: Record<string, unknown>): string | undefined {
  const store = root["credsStore"];
  if (typeof store === "string" && store !== "") return `credsStore ${quote(store)}`;
  const helpers = root["credHelpers"];
  if (typeof helpers === "object" && helpers !== null && Object.keys(helpers).length > 0) {
    return `credHelpers for ${Object.keys(helpers)
      .map((k) => quote(k))
      .join(", ")}`;
  }
  return undefined;
}

/**
 * Picks the entry for a registry: an entry written exactly as the registry wins over an alias
 * (`docker.io` before `https://index.docker.io/v1/`), otherwise file order decides.
 */
export function findEntry(
  entries: DockerAuthEntry[],
  registry: string,
): DockerAuthEntry | undefined {
  const wanted = normaliseRegistryKey(registry);
  const candidates = entries.filter((entry) => entry.registry === wanted);
  return candidates.find((entry) => entry.key === registry) ?? candidates[0];
}

/** Reads username and password from an entry: `auth` (base64 of user:pass) or the two fields. */
export function entryCredential(entry: DockerAuthEntry, what: string): RegistryCredential {
  const where = `${what}: auths[${quote(entry.key)}]`;
  const { auth, username, password } = entry.fields;
  if (typeof auth === "string" && auth !== "") {
    const decoded = decodeBase64(auth);
    const colon = decoded?.indexOf(":") ?? -1;
    if (decoded === undefined || colon < 0) {
      throw new PullkeyError("SOURCE_FORMAT", `${where}.auth is not base64 of "username:password"`);
    }
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (typeof password === "string" && password !== "") {
    if (username !== undefined && typeof username !== "string") {
      throw new PullkeyError("SOURCE_FORMAT", `${where}.username is not a string`);
    }
    return { username: username ?? "", password };
  }
  if (entry.fields["identitytoken"] !== undefined || entry.fields["registrytoken"] !== undefined) {
    throw new PullkeyError(
      "SOURCE_FORMAT",
      `${where} holds only an identity or registry token, which the kubelet's credential API cannot carry; store a username and password (or access token) instead`,
    );
  }
  throw new PullkeyError("SOURCE_FORMAT", `${where} has no "auth" or "password"`);
}

/** Strict base64 decode to UTF-8 text; undefined when the text is not base64. */
function decodeBase64(text: string): string | undefined {
  const compact = text.replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 === 1) return undefined;
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(Buffer.from(compact, "base64"));
  } catch {
    return undefined;
  }
}

/** The credential for `registry` from a docker config document, or SOURCE_NO_ENTRY naming what it has. */
export function dockerConfigCredential(
  entries: DockerAuthEntry[],
  registry: string,
  what: string,
): RegistryCredential {
  const entry = findEntry(entries, registry);
  if (!entry) {
    const known = [...new Set(entries.map((e) => e.registry))].map((r) => quote(r)).join(", ");
    throw new PullkeyError(
      "SOURCE_NO_ENTRY",
      `${what} has no auths entry for registry ${quote(registry)} (it has ${known})`,
    );
  }
  return entryCredential(entry, what);
}
