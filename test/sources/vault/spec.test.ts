import { describe, expect, it } from "vitest";
import * as z from "zod/mini";
import { validateConfig } from "../../../provider/config/validate.js";
import { describeSpec, sourceFiles } from "../../../provider/sources/index.js";
import { vaultSpec } from "../../../provider/sources/vault/spec.js";

const config = (source: unknown) => ({
  apiVersion: "pullkey/v1",
  kind: "PullkeyConfig",
  rules: [{ name: "x", preset: "dockerhub", source }],
});
const kv2 = { engine: "kv-v2", mount: "secret", path: "registries/dockerhub" };
const at = "rules[0].source";

describe("the vault source's config", () => {
  it.each([
    {
      name: "a JWT login with neither a token file nor the pod's token",
      source: { type: "vault", auth: { method: "jwt", role: "r" }, secret: kv2 },
      errors: [`${at}.auth: set exactly one of "tokenFile" or "serviceAccount: true"`],
    },
    {
      name: "a Kubernetes login with both",
      source: {
        type: "vault",
        auth: { method: "kubernetes", role: "r", serviceAccount: true, tokenFile: "t" },
        secret: kv2,
      },
      errors: [`${at}.auth: set exactly one of "tokenFile" or "serviceAccount: true"`],
    },
    {
      name: "cert auth without a client certificate",
      source: { type: "vault", auth: { method: "cert" }, secret: kv2 },
      errors: [`${at}.tls: cert auth needs tls.certFile and tls.keyFile`],
    },
    {
      name: "a version on a KV v1 secret and a dot-dot path",
      source: {
        type: "vault",
        auth: { method: "token" },
        secret: { engine: "kv-v1", mount: "kv", path: "a/../b", version: 2 },
      },
      errors: [
        `${at}.secret.path: has a '.' or '..' segment`,
        `${at}.secret.version: kv-v1 has no versions; "version" needs engine kv-v2`,
      ],
    },
    {
      name: "a double slash in a mount and an unknown placeholder",
      source: {
        type: "vault",
        auth: { method: "token" },
        secret: { engine: "kv-v2", mount: "secret//x", path: "a/{{image}}" },
      },
      errors: [
        `${at}.secret.mount: must be a Vault mount path such as secret or kv/registries`,
        `${at}.secret.path: unknown placeholder {{image}}; use {{namespace}}, {{serviceAccount}} or {{annotation "key"}}`,
      ],
    },
    {
      name: "an unknown auth method and engine",
      source: {
        type: "vault",
        auth: { method: "magic" },
        secret: { engine: "kv-v3", mount: "secret", path: "a" },
      },
      errors: [
        `${at}.auth.method: "magic" is not supported; expected one of "token", "appRole", "jwt", "kubernetes", "cert"`,
        `${at}.secret.engine: "kv-v3" is not supported; must be "kv-v2" or "kv-v1"`,
      ],
    },
    {
      name: "a schemeless address, a long timeout and two token sources",
      source: {
        type: "vault",
        address: "vault:8200",
        timeout: "1m",
        auth: { method: "token", token: "t", tokenFile: "f" },
        secret: { ...kv2, fields: {}, dockerConfigJsonField: "x" },
      },
      errors: [
        `${at}.address: must be http(s)://host[:port]`,
        `${at}.timeout: must be between 100ms and 30s: each Vault call must fit the exec's time budget`,
        `${at}.auth: set at most one of "token" or "tokenFile" (with neither, VAULT_TOKEN is used)`,
        `${at}.secret: set either "fields" or "dockerConfigJsonField", not both`,
      ],
    },
    {
      name: 'insecureSkipVerify written as the string "false"',
      source: {
        type: "vault",
        tls: { insecureSkipVerify: "false" },
        auth: { method: "appRole" },
        secret: kv2,
      },
      errors: [
        `${at}.tls.insecureSkipVerify: expected boolean, got string`,
        `${at}.auth.roleIdFile: required`,
      ],
    },
  ])("rejects $name", ({ source, errors }) => {
    expect(validateConfig(config(source), "/etc/pullkey/config.yaml").errors).toEqual(errors);
  });

  it("lists every file it reads for pullkey validate, and describes itself without secrets", () => {
    const spec = vaultSpec(z).parse({
      type: "vault",
      address: "https://vault.example.com:8200",
      tls: { caFile: "ca.pem", certFile: "c.pem", keyFile: "c.key" },
      auth: { method: "appRole", roleIdFile: "role-id", secretIdFile: "secret-id" },
      secret: kv2,
    });
    expect(sourceFiles(spec)).toEqual([
      { field: "auth.roleIdFile", path: "role-id" },
      { field: "auth.secretIdFile", path: "secret-id" },
      { field: "tls.caFile", path: "ca.pem" },
      { field: "tls.certFile", path: "c.pem" },
      { field: "tls.keyFile", path: "c.key" },
    ]);
    expect(describeSpec(spec)).toBe(
      "vault https://vault.example.com:8200 secret/registries/dockerhub",
    );
  });
});
