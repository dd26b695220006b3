import { PullkeyError, quote } from "../../errors.js";
import type { RegistryCredential } from "../source.js";

/** Which fields of a secret hold the username and the password (or token). */
export interface FieldNames {
  username: string;
  password: string;
}

/**
 * Reads a credential from a secret's key/value fields (a Vault KV secret, a Secrets Manager JSON
 * string). Errors name the secret and the fields it lacks or has, never a value. A missing
 * username field is an error unless its name is empty, which means "no username" (token registries).
 */
export function credentialFromFields(
  fields: Readonly<Record<string, unknown>>,
  names: FieldNames,
  what: string,
): RegistryCredential {
  const present =
    Object.keys(fields)
      .map((k) => quote(k))
      .join(", ") || "none";
  const password = fields[names.password];
  if (typeof password !== "string" || password === "") {
    throw new PullkeyError(
      "SOURCE_FORMAT",
      `${what} has no non-empty string field ${quote(names.password)} for the password (fields: ${present})`,
    );
  }
  if (names.username === "") return { username: "", password };
  const username = fields[names.username];
  if (typeof username !== "string") {
    throw new PullkeyError(
      "SOURCE_FORMAT",
      `${what} has no string field ${quote(names.username)} for the username (fields: ${present})`,
    );
  }
  return { username, password };
}
