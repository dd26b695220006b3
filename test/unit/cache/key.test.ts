import { describe, expect, it } from "vitest";
import { cacheKey } from "../../../provider/cache/key.js";

const jwt = (claims: object) =>
  ["e30", Buffer.from(JSON.stringify(claims)).toString("base64url"), "sig"].join(".");
const sa = (ns: string, name: string, extra: object = {}) =>
  jwt({
    "kubernetes.io": { namespace: ns, serviceaccount: { name, uid: `${ns}-${name}-uid` } },
    ...extra,
  });
const base = {
  rule: "hub",
  source: { type: "static", username: "u", passwordFile: "t" },
  baseDir: "/etc/pullkey",
  registry: "docker.io",
};

describe("cache keys", () => {
  it("are hex hashes, so no request data reaches a file name", () => {
    expect(cacheKey(base)).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each([
    { name: "another rule", change: { rule: "other" } },
    {
      name: "another source setting",
      change: { source: { type: "static", username: "v", passwordFile: "t" } },
    },
    { name: "another config folder", change: { baseDir: "/srv/pullkey" } },
    { name: "another registry", change: { registry: "ghcr.io" } },
  ])("differ for $name", ({ change }) => {
    expect(cacheKey({ ...base, ...change })).not.toBe(cacheKey(base));
  });

  it("ignore the order of keys in the source spec", () => {
    const reordered = { ...base, source: { passwordFile: "t", username: "u", type: "static" } };
    expect(cacheKey(reordered)).toBe(cacheKey(base));
  });

  it("are shared by pods of one service account, whose tokens differ", () => {
    const pod1 = {
      ...base,
      serviceAccount: { token: sa("team-a", "puller", { jti: "1" }), annotations: {} },
    };
    const pod2 = {
      ...base,
      serviceAccount: { token: sa("team-a", "puller", { jti: "2" }), annotations: {} },
    };
    expect(cacheKey(pod1)).toBe(cacheKey(pod2));
  });

  it.each([
    { name: "another namespace", token: sa("team-b", "puller"), annotations: {} },
    { name: "another service account", token: sa("team-a", "builder"), annotations: {} },
    {
      name: "other annotations",
      token: sa("team-a", "puller"),
      annotations: { "example.com/role": "x" },
    },
  ])("keep $name apart", ({ token, annotations }) => {
    const mine = { ...base, serviceAccount: { token: sa("team-a", "puller"), annotations: {} } };
    expect(cacheKey({ ...base, serviceAccount: { token, annotations } })).not.toBe(cacheKey(mine));
  });

  it("key a token that is not a JWT by its hash", () => {
    const a = cacheKey({ ...base, serviceAccount: { token: "opaque-a", annotations: {} } });
    const b = cacheKey({ ...base, serviceAccount: { token: "opaque-b", annotations: {} } });
    expect(a).not.toBe(b);
  });
});
