import { describe, expect, it } from "vitest";
import { isAnnotationKey, qualifiedNameErrors } from "../../../provider/protocol/annotation-key.js";

describe("annotation keys (apimachinery IsQualifiedName, 1.37 wording)", () => {
  it.each([
    { name: "a prefixed key", key: "pullkey.example.com/role", errors: 0 },
    { name: "a bare key", key: "role", errors: 0 },
    { name: "an empty prefix", key: "/role", errors: 1 },
    { name: "a trailing dash", key: "role-", errors: 1 },
    { name: "two slashes", key: "a/b/c", errors: 1 },
    { name: "a name over 63 bytes", key: "x".repeat(64), errors: 1 },
    { name: "a prefix over 253 bytes", key: `${"a.".repeat(127)}a/role`, errors: 1 },
  ])("$name gives $errors error(s)", ({ key, errors }) => {
    expect(qualifiedNameErrors(key)).toHaveLength(errors);
  });
});

// The one verdict the Vault template, the AWS source and the kubelet-config check share.
describe("which keys can be annotation keys", () => {
  it.each([
    { key: "eks.amazonaws.com/role-arn", valid: true, why: "a prefixed key" },
    {
      key: "Example.COM/Role",
      valid: true,
      why: "case does not matter, as in ValidateAnnotations",
    },
    {
      key: `${"a".repeat(64)}.example.com/role`,
      valid: true,
      why: "apimachinery limits the prefix, not each label",
    },
    { key: `${"x".repeat(63)}`, valid: true, why: "a name of 63 bytes" },
    { key: `${"x".repeat(64)}`, valid: false, why: "a name of 64 bytes" },
    { key: "team_a.example.com/role", valid: false, why: "an underscore in the prefix" },
    { key: "a/b/c", valid: false, why: "two slashes" },
    { key: "", valid: false, why: "empty" },
  ])("$key: $valid ($why)", ({ key, valid }) => {
    expect(isAnnotationKey(key)).toBe(valid);
  });
});
