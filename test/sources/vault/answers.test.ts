import { describe, expect, it } from "vitest";
import * as z from "zod/mini";
import type { PullkeyError } from "../../../provider/errors.js";
import { VaultTransportError } from "../../../provider/sources/vault/client.js";
import {
  type CallSite,
  httpFailure,
  transportFailure,
} from "../../../provider/sources/vault/errors.js";
import { kvCredential, kvSecret } from "../../../provider/sources/vault/kv.js";
import { type VaultSpec, vaultSpec } from "../../../provider/sources/vault/spec.js";

// Vault's answers that the real-server tests cannot produce on demand, as raw bodies
// (Vault API docs; backends.md §B.1, §B.2), mapped to codes and lines.

const site: CallSite = {
  address: "https://vault.example.com:8200",
  action: "reading secret/data/x",
  auth: "appRole at auth/approle",
  timeoutMs: 5_000,
};

const secretSpec = (secret: Record<string, unknown>): VaultSpec["secret"] =>
  vaultSpec(z).parse({
    type: "vault",
    auth: { method: "token" },
    secret: { engine: "kv-v2", mount: "secret", path: "x", ...secret },
  }).secret;

describe("Vault answers without a secret", () => {
  it.each([
    {
      name: "a 412 (Enterprise eventual consistency)",
      status: 412,
      call: "read" as const,
      code: "SOURCE_UNAVAILABLE",
      says: "answered 412 while reading secret/data/x",
    },
    {
      name: "a 502 from an upstream",
      status: 502,
      call: "read" as const,
      code: "SOURCE_UNAVAILABLE",
      says: "answered 502 while reading secret/data/x: upstream down",
    },
    {
      name: "a 404 on login",
      status: 404,
      call: "login" as const,
      code: "SOURCE_NOT_FOUND",
      says: "is the auth method mounted there?",
    },
    {
      name: "a 403 on login (Kubernetes auth)",
      status: 403,
      call: "login" as const,
      code: "SOURCE_AUTH_FAILED",
      says: "rejected the login (403) with appRole at auth/approle: upstream down",
    },
  ])("maps $name", ({ status, call, code, says }) => {
    const err = httpFailure({ status, body: { errors: ["upstream down"] } }, site, call);
    expect(err.code).toBe(code);
    expect(err.message).toContain(says);
  });

  it.each([
    { code: "ENOTFOUND", expected: "SOURCE_UNREACHABLE", says: "host not found (ENOTFOUND)" },
    {
      code: "ECONNRESET",
      expected: "SOURCE_UNREACHABLE",
      says: "connection reset by the other side (ECONNRESET)",
    },
    {
      code: "EPIPE",
      expected: "SOURCE_UNREACHABLE",
      says: "connection closed by the other side while sending (EPIPE)",
    },
    { code: "EPROTO", expected: "SOURCE_TLS", says: "failed while reading secret/data/x: EPROTO" },
    {
      code: "ERR_TLS_CERT_ALTNAME_INVALID",
      expected: "SOURCE_TLS",
      says: "check the certificate names the address",
    },
  ])("maps a $code transport failure", ({ code, expected, says }) => {
    const kind = expected === "SOURCE_TLS" ? "tls" : "network";
    const err = transportFailure(new VaultTransportError(kind, code), site);
    expect(err.code).toBe(expected);
    expect(err.message).toContain(says);
  });
});

describe("KV answers", () => {
  it.each([
    {
      name: "a kv-v1 body read as kv-v2",
      secret: {},
      body: { data: { username: "u", password: "p" } },
      code: "SOURCE_FORMAT",
      says: "the answer has no data.data while reading secret/data/x; is the mount kv-v1?",
    },
    {
      name: "an expiry field that is not a time",
      secret: { fields: { expiresAt: "expires" } },
      body: { data: { data: { username: "u", password: "p", expires: "soon" } } },
      code: "SOURCE_FORMAT",
      says: 'field "expires" is not an RFC 3339 time',
    },
    {
      name: "a missing docker config field",
      secret: { dockerConfigJsonField: ".dockerconfigjson" },
      body: { data: { data: { other: "x" } } },
      code: "SOURCE_FORMAT",
      says: 'has no field ".dockerconfigjson" holding a docker config.json (fields: "other")',
    },
    {
      name: "a password field that is not a string",
      secret: {},
      body: { data: { data: { username: "u", password: 42 } } },
      code: "SOURCE_FORMAT",
      says: 'has no non-empty string field "password"',
    },
  ])("reports $name without quoting values", ({ secret, body, code, says }) => {
    const spec = secretSpec(secret);
    try {
      kvCredential(
        spec,
        kvSecret(spec, { status: 200, body }, site),
        "docker.io",
        "Vault secret secret/data/x",
        new Date(),
      );
      expect.unreachable();
    } catch (err) {
      expect((err as PullkeyError).code).toBe(code);
      expect((err as Error).message).toContain(says);
    }
  });
});
