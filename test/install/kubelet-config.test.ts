import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadKubeletConfig } from "../../provider/install/kubelet-config/load.js";

/**
 * One folder per case: the config file and case.json with the outcome. The verdicts (and
 * `expect.error`, the kubelet's words) are what kubelet 1.37.2's RegisterCredentialProviderPlugins
 * returned for the same files; the conformance harness runs them through the kubelet again.
 * pullkey gives the same verdict in its own words, `expect.pullkey`.
 */
const CASES_DIR = fileURLToPath(new URL("../fixtures/install/kubelet-configs", import.meta.url));

interface KubeletConfigCase {
  name: string;
  file: string;
  featureGates?: string;
  expect: { accepted: true } | { accepted: false; error: string; pullkey: string };
}

const cases: KubeletConfigCase[] = readdirSync(CASES_DIR, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => ({
    name: entry.name,
    ...(JSON.parse(readFileSync(join(CASES_DIR, entry.name, "case.json"), "utf8")) as Omit<
      KubeletConfigCase,
      "name"
    >),
  }));

describe("the installer's check of the kubelet's config", () => {
  it.each([
    { rule: "providers empty", name: "no-providers" },
    { rule: "name contains /", name: "name-with-slash" },
    { rule: "name contains a space", name: "name-with-space" },
    { rule: "name is . or ..", name: "name-dot-dot" },
    { rule: "duplicate name", name: "duplicate-name" },
    { rule: "apiVersion empty", name: "provider-api-version-missing" },
    { rule: "apiVersion unsupported", name: "provider-api-version-unsupported" },
    { rule: "matchImages empty", name: "match-images-empty" },
    { rule: "matchImages unparsable", name: "match-image-bad-escape" },
    { rule: "defaultCacheDuration missing", name: "default-cache-duration-missing" },
    { rule: "defaultCacheDuration negative", name: "default-cache-duration-negative" },
    { rule: "tokenAttributes with the gate off", name: "token-gate-disabled" },
    { rule: "audience missing", name: "token-audience-missing" },
    { rule: "requireServiceAccount missing", name: "token-require-service-account-missing" },
    { rule: "tokenAttributes on a non-v1 provider", name: "token-attributes-v1beta1-provider" },
    {
      rule: "required keys without a service account",
      name: "token-required-keys-without-service-account",
    },
    { rule: "annotation key invalid", name: "token-annotation-key-invalid" },
    { rule: "annotation key duplicated", name: "token-annotation-key-duplicate" },
    {
      rule: "annotation key both required and optional",
      name: "token-annotation-key-required-and-optional",
    },
    { rule: "cacheType missing", name: "token-cache-type-missing" },
    { rule: "cacheType unsupported", name: "token-cache-type-unsupported" },
    { rule: "strict decoding: unknown field", name: "unknown-field" },
    {
      rule: "strict decoding: tokenAttributes outside v1",
      name: "token-attributes-in-v1beta1-config",
    },
    { rule: "wrong kind", name: "wrong-kind" },
    { rule: "wrong group", name: "wrong-group" },
  ])("has a case for the §4.3 rule: $rule", ({ name }) => {
    expect(cases.map((c) => c.name)).toContain(name);
  });

  it.each(cases)("$name: gives the kubelet's verdict in pullkey's words", (testCase) => {
    const text = readFileSync(join(CASES_DIR, testCase.name, testCase.file), "utf8");
    const result = loadKubeletConfig([{ path: testCase.file, text }], {
      serviceAccountTokenGate: !testCase.featureGates?.includes(
        "KubeletServiceAccountTokenForCredentialProviders=false",
      ),
    });
    if (testCase.expect.accepted) {
      expect(result.error).toBeUndefined();
    } else {
      expect(result.error).toBe(`${testCase.file}: ${testCase.expect.pullkey}`);
    }
  });

  it("refuses a name used in two files of a config folder, as the kubelet does", () => {
    const text = readFileSync(join(CASES_DIR, "v1-yaml-minimal", "config.yaml"), "utf8");
    const result = loadKubeletConfig([
      { path: "/d/a.yaml", text },
      { path: "/d/b.yaml", text },
    ]);
    expect(result.error).toBe(
      '/d/b.yaml: providers[0].name: "pullkey" is already the name of a provider in /d/a.yaml',
    );
  });

  it("rejects cacheType on a 1.33 kubelet, which does not know the field", () => {
    const text = readFileSync(join(CASES_DIR, "token-cache-token", "config.yaml"), "utf8");
    const result = loadKubeletConfig([{ path: "/c.yaml", text }], { kubeletMinor: 33 });
    expect(result.error).toContain(
      "/c.yaml: providers[0].tokenAttributes.cacheType: unknown field",
    );
  });
});
