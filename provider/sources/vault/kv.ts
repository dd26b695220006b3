import { PullkeyError, quote } from "../../errors.js";
import {
  dockerConfigCredential,
  dockerConfigEntries,
  parseDockerConfig,
} from "../shapes/dockerconfigjson.js";
import { credentialFromFields } from "../shapes/fields.js";
import type { RegistryCredential } from "../source.js";
import type { VaultResponse } from "./client.js";
import { type CallSite, httpFailure, notVaultAnswer } from "./errors.js";
import type { VaultSpec } from "./spec.js";

type SecretSpec = VaultSpec["secret"];

/** The API path of a KV read (backends.md §B.2, §B.3): kv-v2 adds `data/` and `?version=`. */
export function kvReadPath(secret: SecretSpec, path: string): string {
  if (secret.engine === "kv-v1") return `${secret.mount}/${path}`;
  const version = secret.version === undefined ? "" : `?version=${secret.version}`;
  return `${secret.mount}/data/${path}${version}`;
}

/** A KV secret's key/value data, and how long Vault says it may be used. */
export interface KvSecret {
  data: Record<string, unknown>;
  /** `lease_duration` when positive (kv-v1 `ttl`, 768h by default); kv-v2 reads have none. */
  leaseSeconds?: number;
}

/**
 * Turns a KV read's answer into the secret's data. A kv-v2 404 may carry a normal body saying
 * the version was deleted or destroyed (the plugin's path_data.go), which is reported as such.
 */
export function kvSecret(secret: SecretSpec, response: VaultResponse, site: CallSite): KvSecret {
  const body = asRecord(response.body);
  if (response.status === 404) {
    const metadata = asRecord(asRecord(body?.["data"])?.["metadata"]);
    const version = metadata?.["version"];
    const which = typeof version === "number" ? `version ${version}` : "the requested version";
    if (metadata?.["destroyed"] === true) {
      throw new PullkeyError(
        "SOURCE_NOT_FOUND",
        `Vault ${site.address}: ${which} was destroyed (404) while ${site.action}`,
      );
    }
    const deleted = metadata?.["deletion_time"];
    if (typeof deleted === "string" && deleted !== "") {
      throw new PullkeyError(
        "SOURCE_NOT_FOUND",
        `Vault ${site.address}: ${which} was deleted at ${deleted} (404) while ${site.action}; undelete it or write a new version`,
      );
    }
    throw new PullkeyError(
      "SOURCE_NOT_FOUND",
      `Vault ${site.address}: no secret (404) while ${site.action}; check secret.mount, secret.path${secret.engine === "kv-v2" ? " and that the mount is kv-v2" : " and that the mount is kv-v1"}`,
    );
  }
  if (response.status !== 200 && response.status !== 204) {
    throw httpFailure(response, site, "read");
  }
  if (!body) throw notVaultAnswer(site);
  const outer = asRecord(body["data"]);
  const data = secret.engine === "kv-v2" ? asRecord(outer?.["data"]) : outer;
  if (!data) {
    throw new PullkeyError(
      "SOURCE_FORMAT",
      `Vault ${site.address}: the answer has no ${secret.engine === "kv-v2" ? "data.data" : "data"} while ${site.action}; is the mount ${secret.engine === "kv-v2" ? "kv-v1" : "kv-v2"}? set secret.engine`,
    );
  }
  const lease = body["lease_duration"];
  return {
    data,
    ...(typeof lease === "number" && lease > 0 ? { leaseSeconds: lease } : {}),
  };
}

/**
 * The registry credential in a secret's fields, or in a field holding a docker config.json.
 * `what` names the secret in messages; values are never quoted back.
 */
export function kvCredential(
  secret: SecretSpec,
  kv: KvSecret,
  registry: string,
  what: string,
  now: Date,
): RegistryCredential {
  let credential: RegistryCredential;
  if (secret.dockerConfigJsonField !== undefined) {
    const field = secret.dockerConfigJsonField;
    const value = kv.data[field];
    const where = `${what} field ${quote(field)}`;
    let entries: ReturnType<typeof dockerConfigEntries>;
    if (typeof value === "string") {
      entries = parseDockerConfig(new TextEncoder().encode(value), where);
    } else if (typeof value === "object" && value !== null) {
      entries = dockerConfigEntries(value, where);
    } else {
      const present =
        Object.keys(kv.data)
          .map((k) => quote(k))
          .join(", ") || "none";
      throw new PullkeyError(
        "SOURCE_FORMAT",
        `${what} has no field ${quote(field)} holding a docker config.json (fields: ${present})`,
      );
    }
    credential = dockerConfigCredential(entries, registry, where);
  } else {
    credential = credentialFromFields(
      kv.data,
      {
        username: secret.fields?.username ?? "username",
        password: secret.fields?.password ?? "password",
      },
      what,
    );
  }
  const expiresAt = earliest(
    kv.leaseSeconds === undefined ? undefined : new Date(now.getTime() + kv.leaseSeconds * 1000),
    expiryField(secret, kv, what),
  );
  return expiresAt === undefined ? credential : { ...credential, expiresAt };
}

function expiryField(secret: SecretSpec, kv: KvSecret, what: string): Date | undefined {
  const field = secret.fields?.expiresAt;
  if (field === undefined) return undefined;
  const value = kv.data[field];
  if (value === undefined) return undefined;
  const time = typeof value === "string" ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(time)) {
    throw new PullkeyError(
      "SOURCE_FORMAT",
      `${what} field ${quote(field)} is not an RFC 3339 time such as 2027-01-31T00:00:00Z`,
    );
  }
  return new Date(time);
}

function earliest(a: Date | undefined, b: Date | undefined): Date | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a.getTime() <= b.getTime() ? a : b;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
