import { describe, expect, it } from "vitest";
import { PullkeyError } from "../../../provider/errors.js";
import { credentialFromFields } from "../../../provider/sources/shapes/fields.js";

const WHAT = 'Vault secret "kv/data/dockerhub"';
const SECRET = "fields-secret-5e1";
const names = { username: "username", password: "password" };

describe("reading a credential from a secret's fields", () => {
  it("reads the configured username and password fields", () => {
    expect(
      credentialFromFields(
        { user: "u", token: SECRET },
        { username: "user", password: "token" },
        WHAT,
      ),
    ).toEqual({
      username: "u",
      password: SECRET,
    });
  });

  it("takes an empty username field name to mean a token without a username", () => {
    expect(
      credentialFromFields({ token: SECRET }, { username: "", password: "token" }, WHAT),
    ).toEqual({
      username: "",
      password: SECRET,
    });
  });

  it.each([
    {
      name: "a missing password field",
      fields: { username: "u", pass: SECRET },
      says: 'has no non-empty string field "password" for the password (fields: "username", "pass")',
    },
    {
      name: "an empty password",
      fields: { username: "u", password: "" },
      says: 'has no non-empty string field "password" for the password (fields: "username", "password")',
    },
    {
      name: "a missing username field",
      fields: { password: SECRET },
      says: 'has no string field "username" for the username (fields: "password")',
    },
    {
      name: "a numeric username",
      fields: { username: 1, password: SECRET },
      says: 'has no string field "username" for the username (fields: "username", "password")',
    },
  ])("rejects $name, naming fields but no values", ({ fields, says }) => {
    let err: unknown;
    try {
      credentialFromFields(fields, names, WHAT);
    } catch (caught) {
      err = caught;
    }
    expect(err).toBeInstanceOf(PullkeyError);
    expect((err as PullkeyError).message).toBe(`${WHAT} ${says}`);
    expect((err as PullkeyError).message).not.toContain(SECRET);
  });
});
