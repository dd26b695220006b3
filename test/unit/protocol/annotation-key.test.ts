import { describe, expect, it } from "vitest";
import { isAnnotationKey } from "../../../provider/protocol/annotation-key.js";

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
    { key: "/role", valid: false, why: "an empty prefix" },
    { key: "role-", valid: false, why: "a trailing dash" },
    { key: `${"a.".repeat(127)}a/role`, valid: false, why: "a prefix over 253 bytes" },
  ])("$key: $valid ($why)", ({ key, valid }) => {
    expect(isAnnotationKey(key)).toBe(valid);
  });
});
