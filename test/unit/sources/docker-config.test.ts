import { describe, expect, it } from "vitest";
import { PullkeyError } from "../../../provider/errors.js";
import {
  entryCredential,
  findEntry,
  normaliseRegistryKey,
  parseDockerConfig,
} from "../../../provider/sources/shapes/dockerconfigjson.js";

const FILE = "/etc/pullkey/docker.json";
const WHAT = `docker config ${FILE}`;
const bytes = (doc: unknown) =>
  new TextEncoder().encode(typeof doc === "string" ? doc : JSON.stringify(doc));
const b64 = (text: string) => Buffer.from(text).toString("base64");
const SECRET = "s3cret-Value-that-must-not-leak";

function credentialFor(doc: unknown, registry: string) {
  const entries = parseDockerConfig(bytes(doc), WHAT);
  const entry = findEntry(entries, registry);
  if (!entry) throw new Error(`no entry for ${registry}`);
  return entryCredential(entry, WHAT);
}

function failure(run: () => unknown): PullkeyError {
  try {
    run();
  } catch (err) {
    if (err instanceof PullkeyError) return err;
    throw err;
  }
  throw new Error("expected a failure");
}

describe("normalising docker config auths keys", () => {
  it.each([
    {
      key: "https://index.docker.io/v1/",
      registry: "docker.io",
      why: "what docker login writes for Docker Hub",
    },
    { key: "index.docker.io", registry: "docker.io", why: "legacy Docker Hub host" },
    { key: "registry-1.docker.io", registry: "docker.io", why: "Docker Hub's API host" },
    { key: "docker.io", registry: "docker.io", why: "already canonical" },
    { key: "https://ghcr.io", registry: "ghcr.io", why: "scheme dropped" },
    {
      key: "http://registry.local:5000/v2/",
      registry: "registry.local:5000",
      why: "API path dropped, port kept",
    },
    { key: "quay.io/org", registry: "quay.io/org", why: "a namespace path is kept" },
    { key: "GHCR.IO", registry: "ghcr.io", why: "host names are case-insensitive" },
  ])("$key → $registry ($why)", ({ key, registry }) => {
    expect(normaliseRegistryKey(key)).toBe(registry);
  });
});

describe("reading credentials from a docker config", () => {
  it("decodes the base64 auth field docker login writes", () => {
    const doc = { auths: { "https://index.docker.io/v1/": { auth: b64(`alice:${SECRET}`) } } };
    expect(credentialFor(doc, "docker.io")).toEqual({ username: "alice", password: SECRET });
  });

  it("splits auth at the first colon, so passwords may contain colons", () => {
    const doc = { auths: { "ghcr.io": { auth: b64("bob:pa:ss") } } };
    expect(credentialFor(doc, "ghcr.io")).toEqual({ username: "bob", password: "pa:ss" });
  });

  it("reads username and password fields when there is no auth", () => {
    const doc = { auths: { "ghcr.io": { username: "bob", password: SECRET } } };
    expect(credentialFor(doc, "ghcr.io")).toEqual({ username: "bob", password: SECRET });
  });

  it("accepts a token with an empty username", () => {
    const doc = { auths: { "registry.local:5000": { auth: b64(`:${SECRET}`) } } };
    expect(credentialFor(doc, "registry.local:5000")).toEqual({ username: "", password: SECRET });
  });

  it("prefers the entry written exactly as the registry over an alias", () => {
    const doc = {
      auths: {
        "https://index.docker.io/v1/": { auth: b64("legacy:one") },
        "docker.io": { auth: b64("exact:two") },
      },
    };
    expect(credentialFor(doc, "docker.io").username).toBe("exact");
  });

  it("reads a legacy ~/.dockercfg with registries at the top level", () => {
    const doc = {
      "https://index.docker.io/v1/": { auth: b64("old:style"), email: "x@example.com" },
    };
    expect(credentialFor(doc, "docker.io")).toEqual({ username: "old", password: "style" });
  });

  it("finds no entry for a registry the file does not have", () => {
    const entries = parseDockerConfig(bytes({ auths: { "ghcr.io": { auth: b64("a:b") } } }), WHAT);
    expect(findEntry(entries, "docker.io")).toBeUndefined();
  });

  it.each([
    {
      name: "not JSON",
      doc: `{"auths": {"docker.io": {"auth": "${SECRET}"`,
      says: `docker config ${FILE} is not valid JSON`,
    },
    { name: "not an object", doc: "[]", says: "is not a JSON object" },
    { name: "auths not an object", doc: { auths: [] }, says: '"auths" is not an object' },
    {
      name: "an entry not an object",
      doc: { auths: { "docker.io": SECRET } },
      says: 'auths["docker.io"] is not an object',
    },
    {
      name: "a credsStore-only file",
      doc: { auths: {}, credsStore: "desktop" },
      says: 'keeps its credentials in a credential helper (credsStore "desktop")',
    },
    {
      name: "a credHelpers-only file",
      doc: { credHelpers: { "gcr.io": "gcloud" } },
      says: 'credHelpers for "gcr.io"',
    },
    { name: "no entries at all", doc: {}, says: 'has no "auths" entries' },
  ])("rejects a file that is $name, without quoting it", ({ doc, says }) => {
    const err = failure(() => parseDockerConfig(bytes(doc), WHAT));
    expect(err.code).toBe("SOURCE_FORMAT");
    expect(err.message).toContain(says);
    expect(err.message).not.toContain(SECRET);
    expect(err.cause).toBeUndefined();
  });

  it.each([
    {
      name: "auth that is not base64",
      fields: { auth: `${SECRET}!!` },
      says: 'auths["docker.io"].auth is not base64 of "username:password"',
    },
    {
      name: "auth without a colon",
      fields: { auth: b64(SECRET) },
      says: 'is not base64 of "username:password"',
    },
    {
      name: "only an identity token",
      fields: { identitytoken: SECRET },
      says: "holds only an identity or registry token",
    },
    { name: "no credentials", fields: { email: "a@b.c" }, says: 'has no "auth" or "password"' },
    {
      name: "a non-string username",
      fields: { username: 5, password: SECRET },
      says: ".username is not a string",
    },
  ])("rejects an entry with $name, without quoting it", ({ fields, says }) => {
    const err = failure(() => credentialFor({ auths: { "docker.io": fields } }, "docker.io"));
    expect(err.code).toBe("SOURCE_FORMAT");
    expect(err.message).toContain(says);
    expect(err.message).not.toContain(SECRET);
  });
});
