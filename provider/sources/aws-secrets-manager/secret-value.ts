import { PullkeyError, quote } from "../../errors.js";
import { dockerConfigCredential, dockerConfigEntries } from "../shapes/dockerconfigjson.js";
import { credentialFromFields, type FieldNames } from "../shapes/fields.js";
import type { RegistryCredential } from "../source.js";
import type { AwsSecretsManagerSpec } from "./spec.js";

/** The part of a GetSecretValue answer that holds the secret. */
export interface SecretValue {
  SecretString?: string | undefined;
  /** Raw bytes in SDK v3 (base64 only on the wire). */
  SecretBinary?: Uint8Array | undefined;
}

/** A concrete secret layout; `auto` in config means "detect one of these". */
export type SecretFormat = Exclude<NonNullable<AwsSecretsManagerSpec["format"]>, "auto">;

// ECR pull-through cache secrets for Docker Hub use accessToken, not password
// (AmazonECR userguide, pull-through-cache-creating-secret).
const ECR_PULL_THROUGH_CACHE: FieldNames = { username: "username", password: "accessToken" };

const EXPECTED =
  'expected JSON {"username","password"} (names set by "fields"), the ECR pull-through-cache shape {"username","accessToken"}, or a dockerconfigjson {"auths":{...}}';

/**
 * Reads the registry credential from a secret's value. `what` names the secret (id, region,
 * version) in messages; nothing from the value is ever quoted except its field names, and parse
 * errors are not wrapped, so no part of the secret can reach a log.
 */
export function credentialFromSecret(
  value: SecretValue,
  spec: Pick<AwsSecretsManagerSpec, "format" | "fields" | "registry">,
  registry: string,
  what: string,
): RegistryCredential {
  const doc = parseSecretJson(value, what);
  const fields: FieldNames = {
    username: spec.fields?.username ?? "username",
    password: spec.fields?.password ?? "password",
  };
  const format =
    spec.format === undefined || spec.format === "auto" ? detect(doc, fields) : spec.format;
  switch (format) {
    case "fields":
      return credentialFromFields(doc, fields, what);
    case "ecrPullThroughCache":
      return credentialFromFields(doc, ECR_PULL_THROUGH_CACHE, what);
    case "dockerConfigJson":
      return dockerConfigCredential(
        dockerConfigEntries(doc, what),
        spec.registry ?? registry,
        what,
      );
    case undefined: {
      const present =
        Object.keys(doc)
          .map((k) => quote(k))
          .join(", ") || "none";
      throw new PullkeyError(
        "SOURCE_FORMAT",
        `${what} has an unknown shape (fields: ${present}); ${EXPECTED}`,
      );
    }
  }
}

/**
 * Auto-detection, most specific first: a dockerconfigjson has `auths`; then the configured
 * password field; then the ECR pull-through-cache `accessToken`.
 */
export function detect(
  doc: Readonly<Record<string, unknown>>,
  fields: FieldNames,
): SecretFormat | undefined {
  if ("auths" in doc) return "dockerConfigJson";
  if (fields.password in doc) return "fields";
  if (ECR_PULL_THROUGH_CACHE.password in doc) return "ecrPullThroughCache";
  return undefined;
}

/** SecretString, or SecretBinary holding UTF-8 JSON, as a JSON object. */
function parseSecretJson(value: SecretValue, what: string): Record<string, unknown> {
  let text: string;
  let kind: string;
  if (value.SecretString !== undefined) {
    text = value.SecretString;
    kind = "SecretString";
  } else if (value.SecretBinary !== undefined) {
    kind = "SecretBinary";
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(value.SecretBinary);
    } catch {
      throw new PullkeyError(
        "SOURCE_FORMAT",
        `${what}: SecretBinary is not UTF-8 text; ${EXPECTED}`,
      );
    }
  } else {
    throw new PullkeyError(
      "SOURCE_FORMAT",
      `${what} has neither a SecretString nor a SecretBinary`,
    );
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new PullkeyError("SOURCE_FORMAT", `${what}: ${kind} is not JSON; ${EXPECTED}`);
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    throw new PullkeyError("SOURCE_FORMAT", `${what}: ${kind} is not a JSON object; ${EXPECTED}`);
  }
  return doc as Record<string, unknown>;
}
