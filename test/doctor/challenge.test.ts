import { describe, expect, it } from "vitest";
import { type Challenge, parseChallenge } from "../../provider/doctor/challenge.js";

describe("parsing the registry's WWW-Authenticate challenge", () => {
  it.each<{ name: string; header: string | undefined; expected: Challenge | undefined }>([
    {
      name: "distribution's htpasswd challenge (backends.md §A.8)",
      header: 'Basic realm="basic-realm"',
      expected: { scheme: "basic", realm: "basic-realm" },
    },
    {
      name: "a Basic challenge without a realm",
      header: "Basic",
      expected: { scheme: "basic" },
    },
    {
      name: "Docker Hub's /v2/ challenge",
      header: 'Bearer realm="https://auth.docker.io/token",service="registry.docker.io"',
      expected: {
        scheme: "bearer",
        realm: "https://auth.docker.io/token",
        service: "registry.docker.io",
      },
    },
    {
      name: "a resource challenge whose scope holds a comma inside the quotes",
      header:
        'Bearer realm="https://auth.example/token",service="reg",scope="repository:team/app:pull,push",error="insufficient_scope"',
      expected: {
        scheme: "bearer",
        realm: "https://auth.example/token",
        service: "reg",
        scope: "repository:team/app:pull,push",
        error: "insufficient_scope",
      },
    },
    {
      name: "scheme and keys in other cases, spaces after commas, an unquoted token value",
      header: 'BEARER Realm="http://127.0.0.1:1/token", Service=local',
      expected: { scheme: "bearer", realm: "http://127.0.0.1:1/token", service: "local" },
    },
    {
      name: "backslash escapes inside a quoted value",
      header: 'Basic realm="say \\"hi\\""',
      expected: { scheme: "basic", realm: 'say "hi"' },
    },
    { name: "no header at all", header: undefined, expected: undefined },
    {
      name: "a Bearer challenge without a realm is useless",
      header: 'Bearer service="x"',
      expected: undefined,
    },
    { name: "a scheme pullkey does not speak", header: 'Negotiate realm="x"', expected: undefined },
    { name: "an unterminated quote", header: 'Basic realm="oops', expected: undefined },
    { name: "a parameter without a value", header: "Bearer realm", expected: undefined },
  ])("reads $name", ({ header, expected }) => {
    expect(parseChallenge(header)).toEqual(expected);
  });
});
