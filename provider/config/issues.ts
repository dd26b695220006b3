import type * as z from "zod/mini";
import { quote } from "../errors.js";

/**
 * Zod issues as `path: message` lines an operator can act on, shared by pullkey's config and the
 * installer's check of the kubelet's CredentialProviderConfig.
 */

type Issue = z.core.$ZodIssue;

/** Turns a zod issue on `doc` into `path: message` lines. */
export function describeIssue(issue: Issue, doc: unknown): string[] {
  const at = formatPath(issue.path);
  const value = valueAt(doc, issue.path);
  const custom = issue.message !== "Invalid input" ? issue.message : undefined;
  switch (issue.code) {
    case "unrecognized_keys":
      return issue.keys.map((key) => `${formatPath([...issue.path, key])}: unknown field`);
    case "invalid_type":
      if (value === undefined) return [`${at}: required`];
      return [`${at}: expected ${issue.expected}, got ${typeName(value)}`];
    case "invalid_union": {
      const options = (issue as { options?: unknown[] }).options;
      if (options && value === undefined) {
        return [`${at}: required; one of ${options.map((o) => quote(String(o))).join(", ")}`];
      }
      if (options) {
        return [
          `${at}: ${describeValue(value)} is not supported; expected one of ${options.map((o) => quote(String(o))).join(", ")}`,
        ];
      }
      return [`${at}: ${custom ?? "does not match any allowed form"}`];
    }
    case "invalid_value": {
      const allowed = issue.values.map((v) => quote(String(v))).join(" or ");
      if (value === undefined) return [`${at}: required; must be ${allowed}`];
      return [`${at}: ${describeValue(value)} is not supported; must be ${allowed}`];
    }
    default:
      return [`${at}: ${custom ?? "is invalid"}`];
  }
}

/** `rules[0].source.token`, or `(config)` for the root. */
export function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return "(config)";
  return path
    .map((key, i) => (typeof key === "number" ? `[${key}]` : `${i === 0 ? "" : "."}${String(key)}`))
    .join("");
}

function valueAt(doc: unknown, path: readonly PropertyKey[]): unknown {
  let node = doc;
  for (const key of path) {
    if (typeof node !== "object" || node === null) return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return typeof value;
}

function describeValue(value: unknown): string {
  return typeof value === "string" ? quote(value, 80) : typeName(value);
}
