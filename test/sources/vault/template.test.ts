import { describe, expect, it } from "vitest";
import { PullkeyError } from "../../../provider/errors.js";
import { serviceAccountIdentity } from "../../../provider/sources/vault/service-account.js";
import {
  parsePathTemplate,
  renderPathTemplate,
  type TemplateValues,
} from "../../../provider/sources/vault/template.js";

const values: TemplateValues = {
  namespace: "team-a",
  serviceAccount: "builder",
  annotations: { "example.io/vault-secret": "hub.robot", "example.io/evil": "../team-b" },
};

describe("secret path templates", () => {
  it.each([
    { name: "a plain path", template: "registries/dockerhub", out: "registries/dockerhub" },
    {
      name: "namespace and service account",
      template: "teams/{{namespace}}/{{serviceAccount}}",
      out: "teams/team-a/builder",
    },
    {
      name: "spaces inside the braces",
      template: "teams/{{ namespace }}/x",
      out: "teams/team-a/x",
    },
    {
      name: "an annotation value",
      template: 'pull/{{annotation "example.io/vault-secret"}}',
      out: "pull/hub.robot",
    },
    {
      name: "a placeholder inside a segment",
      template: "teams/{{namespace}}-pull",
      out: "teams/team-a-pull",
    },
  ])("renders $name", ({ template, out }) => {
    const parts = parsePathTemplate(template);
    if (typeof parts === "string") throw new Error(parts);
    expect(renderPathTemplate(parts, values)).toBe(out);
  });

  it.each([
    {
      name: "an unknown placeholder",
      template: "x/{{image}}",
      says: "unknown placeholder {{image}}",
    },
    { name: "a leading slash", template: "/x", says: "empty segment" },
    { name: "a double slash", template: "a//b", says: "empty segment" },
    { name: "a trailing slash", template: "a/b/", says: "empty segment" },
    { name: "a dot-dot segment", template: "a/../b", says: "'..' segment" },
    { name: "a percent escape", template: "a/%2e%2e/b", says: "may contain only" },
    { name: "an unclosed brace", template: "a/{{namespace", says: "unclosed" },
    { name: "an empty path", template: "", says: "is empty" },
    {
      name: "a bad annotation key",
      template: '{{annotation "a b"}}',
      says: "not an annotation key",
    },
  ])("rejects $name when the config is loaded", ({ template, says }) => {
    const result = parsePathTemplate(template);
    expect(typeof result).toBe("string");
    expect(result).toContain(says);
  });

  it.each([
    { name: "a dot-dot annotation", annotation: ".." },
    { name: "a relative escape", annotation: "../team-b" },
    { name: "a slash", annotation: "team-b/dockerhub" },
    { name: "an encoded slash", annotation: "team-b%2Fdockerhub" },
    { name: "an encoded dot-dot", annotation: "%2e%2e" },
    { name: "an empty value", annotation: "" },
    { name: "a newline", annotation: "a\nb" },
    { name: "a NUL", annotation: "a\u0000b" },
    { name: "a backslash", annotation: "..\\team-b" },
    { name: "a leading dot", annotation: ".hidden" },
    { name: "a URL", annotation: "http://evil.example/x" },
  ])("refuses a request whose annotation is $name", ({ annotation }) => {
    const parts = parsePathTemplate('teams/{{annotation "example.io/path"}}');
    if (typeof parts === "string") throw new Error(parts);
    const render = () =>
      renderPathTemplate(parts, { ...values, annotations: { "example.io/path": annotation } });
    expect(render).toThrow(PullkeyError);
    expect(render).toThrow(/is not a safe secret path segment/);
  });

  it("refuses a template that needs the service account when the kubelet sent none", () => {
    const parts = parsePathTemplate("teams/{{namespace}}");
    if (typeof parts === "string") throw new Error(parts);
    expect(() => renderPathTemplate(parts, undefined)).toThrow(/tokenAttributes/);
  });

  it("names a missing annotation and the kubelet setting that passes it", () => {
    const parts = parsePathTemplate('x/{{annotation "example.io/missing"}}');
    if (typeof parts === "string") throw new Error(parts);
    expect(() => renderPathTemplate(parts, values)).toThrow(
      /"example.io\/missing".*requiredServiceAccountAnnotationKeys/,
    );
  });
});

describe("the service account in a KEP-4412 token", () => {
  const jwt = (claims: unknown) =>
    `e30.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.c2ln`;

  it.each([
    {
      name: "kubernetes.io claims",
      claims: {
        sub: "system:serviceaccount:ignored:ignored",
        "kubernetes.io": { namespace: "team-a", serviceaccount: { name: "builder", uid: "u-1" } },
      },
      identity: { namespace: "team-a", name: "builder", uid: "u-1" },
    },
    {
      name: "only a sub claim",
      claims: { sub: "system:serviceaccount:team-b:default" },
      identity: { namespace: "team-b", name: "default" },
    },
  ])("is read from $name", ({ claims, identity }) => {
    expect(serviceAccountIdentity(jwt(claims))).toEqual(identity);
  });

  it.each([
    { name: "not a JWT", token: "sa-token-FIXTURE-4" },
    { name: "a JWT without service account claims", token: jwt({ sub: "alice" }) },
    { name: "a JWT with a non-JSON payload", token: "e30.bm90IGpzb24.c2ln" },
  ])("is refused without quoting the token when it is $name", ({ token }) => {
    try {
      serviceAccountIdentity(token);
      expect.unreachable();
    } catch (err) {
      expect((err as PullkeyError).code).toBe("REQUEST_INVALID");
      expect((err as Error).message).not.toContain(token);
    }
  });
});
