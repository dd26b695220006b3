import { describe, expect, it } from "vitest";
import { PullkeyError } from "../../../provider/errors.js";
import {
  credentialFromSecret,
  type SecretValue,
} from "../../../provider/sources/aws-secrets-manager/secret-value.js";
import type { AwsSecretsManagerSpec } from "../../../provider/sources/aws-secrets-manager/spec.js";

const WHAT =
  'Secrets Manager secret "hub" (region us-east-1, default AWS credentials), version "v1"';
const SECRET = "value-FIXTURE-9d1";
const json = (value: unknown): SecretValue => ({ SecretString: JSON.stringify(value) });
const binary = (value: unknown): SecretValue => ({
  SecretBinary: new TextEncoder().encode(JSON.stringify(value)),
});
const auth = (user: string, pass: string) => Buffer.from(`${user}:${pass}`).toString("base64");

type Spec = Pick<AwsSecretsManagerSpec, "format" | "fields" | "registry">;

describe("reading a registry credential from a secret value", () => {
  it.each<{ name: string; value: SecretValue; spec?: Spec; want: object }>([
    {
      name: "username/password JSON",
      value: json({ username: "u", password: SECRET }),
      want: { username: "u", password: SECRET },
    },
    {
      name: "JSON with configured field names",
      value: json({ login: "u", token: SECRET, note: "x" }),
      spec: { fields: { username: "login", password: "token" } },
      want: { username: "u", password: SECRET },
    },
    {
      name: "a token with no username field when the username field name is empty",
      value: json({ token: SECRET }),
      spec: { fields: { username: "", password: "token" } },
      want: { username: "", password: SECRET },
    },
    {
      name: "the ECR pull-through-cache shape",
      value: json({ username: "org", accessToken: SECRET }),
      want: { username: "org", password: SECRET },
    },
    {
      name: "a dockerconfigjson with base64 auth under the Docker Hub v1 key",
      value: json({ auths: { "https://index.docker.io/v1/": { auth: auth("u", SECRET) } } }),
      want: { username: "u", password: SECRET },
    },
    {
      name: "a dockerconfigjson with username/password for the image's registry",
      value: json({
        auths: {
          "ghcr.io": { username: "g", password: "other" },
          "docker.io": { username: "u", password: SECRET },
        },
      }),
      want: { username: "u", password: SECRET },
    },
    {
      name: "a dockerconfigjson entry chosen by the rule's registry",
      value: json({ auths: { "mirror.example": { username: "m", password: SECRET } } }),
      spec: { registry: "mirror.example" },
      want: { username: "m", password: SECRET },
    },
    {
      name: "SecretBinary holding username/password JSON",
      value: binary({ username: "u", password: SECRET }),
      want: { username: "u", password: SECRET },
    },
    {
      name: "SecretBinary holding a dockerconfigjson",
      value: binary({ auths: { "docker.io": { auth: auth("u", SECRET) } } }),
      want: { username: "u", password: SECRET },
    },
    {
      name: "an explicit format even when another shape's fields are present",
      value: json({ username: "u", password: "ignored", accessToken: SECRET }),
      spec: { format: "ecrPullThroughCache" },
      want: { username: "u", password: SECRET },
    },
  ])("reads $name", ({ value, spec, want }) => {
    expect(credentialFromSecret(value, spec ?? {}, "docker.io", WHAT)).toEqual(want);
  });

  it.each<{ name: string; value: SecretValue; spec?: Spec; code: string; message: string }>([
    {
      name: "a SecretString that is not JSON",
      value: { SecretString: SECRET },
      code: "SOURCE_FORMAT",
      message: `${WHAT}: SecretString is not JSON; expected JSON {"username","password"} (names set by "fields"), the ECR pull-through-cache shape {"username","accessToken"}, or a dockerconfigjson {"auths":{...}}`,
    },
    {
      name: "a JSON array",
      value: json([SECRET]),
      code: "SOURCE_FORMAT",
      message: `${WHAT}: SecretString is not a JSON object; expected JSON {"username","password"} (names set by "fields"), the ECR pull-through-cache shape {"username","accessToken"}, or a dockerconfigjson {"auths":{...}}`,
    },
    {
      name: "an object of an unknown shape",
      value: json({ user: "u", secret: SECRET }),
      code: "SOURCE_FORMAT",
      message: `${WHAT} has an unknown shape (fields: "user", "secret"); expected JSON {"username","password"} (names set by "fields"), the ECR pull-through-cache shape {"username","accessToken"}, or a dockerconfigjson {"auths":{...}}`,
    },
    {
      name: "SecretBinary that is not UTF-8",
      value: { SecretBinary: new Uint8Array([0xff, 0xfe, 0x00]) },
      code: "SOURCE_FORMAT",
      message: `${WHAT}: SecretBinary is not UTF-8 text; expected JSON {"username","password"} (names set by "fields"), the ECR pull-through-cache shape {"username","accessToken"}, or a dockerconfigjson {"auths":{...}}`,
    },
    {
      name: "no value at all",
      value: {},
      code: "SOURCE_FORMAT",
      message: `${WHAT} has neither a SecretString nor a SecretBinary`,
    },
    {
      name: "a fields secret without the password field the format requires",
      value: json({ username: "u", accessToken: SECRET }),
      spec: { format: "fields" },
      code: "SOURCE_FORMAT",
      message: `${WHAT} has no non-empty string field "password" for the password (fields: "username", "accessToken")`,
    },
    {
      name: "a dockerconfigjson without the image's registry",
      value: json({ auths: { "ghcr.io": { auth: auth("u", SECRET) } } }),
      code: "SOURCE_NO_ENTRY",
      message: `${WHAT} has no auths entry for registry "docker.io" (it has "ghcr.io")`,
    },
  ])(
    "rejects $name with a message that names the secret, never its value",
    ({ value, spec, code, message }) => {
      let caught: unknown;
      try {
        credentialFromSecret(value, spec ?? {}, "docker.io", WHAT);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(PullkeyError);
      expect((caught as PullkeyError).code).toBe(code);
      expect((caught as PullkeyError).message).toBe(message);
      expect((caught as PullkeyError).cause).toBeUndefined();
    },
  );
});
