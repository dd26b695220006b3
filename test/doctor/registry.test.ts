import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type DoctorRun,
  doctor,
  healthyNode,
  line,
  removeTemps,
  tempDir,
  writeTree,
} from "./harness.js";
import {
  BASIC_PASSWORD,
  BASIC_USER,
  bearerFor,
  closedPort,
  htpasswdAuth,
  pushImage,
  type Registry,
  startRegistry,
  startTokenServer,
  TOKEN_PASSWORD,
  TOKEN_USER,
  type TokenServer,
} from "./peers.js";

/**
 * The doctor against the real CNCF distribution registry (Debian's docker-registry 2.8): once
 * with htpasswd (Basic), once with token auth (Bearer, our token server issuing ES256 JWTs).
 */

let dir: string;
let basic: Registry;
let bearer: Registry;
let tokens: TokenServer;
const runs: DoctorRun[] = [];

/** A node tree whose kubelet sends `host` images to pullkey, and a pullkey config for it. */
function setup(
  name: string,
  host: string,
  user: string,
  password: string,
): { root: string; config: string } {
  const root = writeTree(join(dir, name), healthyNode([host]));
  const secret = join(root, "etc/pullkey/password");
  writeTree(root, { "/etc/pullkey/password": { text: `${password}\n`, mode: 0o600 } });
  const config = join(root, "etc/pullkey/config.yaml");
  writeFileSync(
    config,
    `apiVersion: pullkey/v1\nkind: PullkeyConfig\nstateDir: ${join(root, "var/lib/pullkey")}\nrules:\n  - name: local\n    match: ["${host}"]\n    source: {type: static, username: ${user}, passwordFile: ${secret}}\n`,
    { mode: 0o600 },
  );
  return { root, config };
}

async function run(
  image: string,
  s: { root: string; config: string },
  json = false,
): Promise<DoctorRun> {
  const result = await doctor([
    image,
    "--config",
    s.config,
    "--root",
    s.root,
    ...(json ? ["--json"] : []),
  ]);
  runs.push(result);
  return result;
}

beforeAll(async () => {
  dir = tempDir("registry");
  basic = await startRegistry(join(dir, "basic"), htpasswdAuth(dir));
  const basicAuth = `Basic ${Buffer.from(`${BASIC_USER}:${BASIC_PASSWORD}`).toString("base64")}`;
  await pushImage(basic.host, "team/app", "v1", basicAuth);
  tokens = await startTokenServer(dir);
  bearer = await startRegistry(join(dir, "bearer"), tokens.auth);
  await pushImage(
    bearer.host,
    "team/app",
    "v1",
    await bearerFor(tokens.realm, "repository:team/app:pull,push"),
  );
});

afterAll(async () => {
  await basic?.stop();
  await bearer?.stop();
  await tokens?.stop();
  removeTemps();
  // No password or token, from any run, in any output.
  const secrets = [BASIC_PASSWORD, TOKEN_PASSWORD, ...(tokens?.issued ?? [])];
  for (const r of runs)
    for (const secret of secrets) expect(`${r.stdout}${r.stderr}`).not.toContain(secret);
});

describe("pullkey doctor against distribution with htpasswd (Basic)", () => {
  it("passes every check when the registry accepts the credentials", async () => {
    const s = setup("basic-ok", basic.host, BASIC_USER, BASIC_PASSWORD);
    const result = await run(`${basic.host}/team/app:v1`, s);
    expect(
      result.stdout
        .split("\n")
        .filter((l) => l && !l.startsWith("verdict"))
        .every((l) => l.startsWith("ok ")),
    ).toBe(true);
    expect(line(result, "registry")).toContain(
      `${basic.host} accepted the credentials of user "${BASIC_USER}": HEAD team/app:v1 answered 200`,
    );
    expect(result.stdout.split("\n").map((l) => l.split(/\s+/)[1])).toEqual([
      "kubelet-flags",
      "kubelet-config",
      "kubelet-provider",
      "kubelet-binary",
      "config",
      "cache",
      "rule",
      "source",
      "credentials",
      "registry",
      "ok:",
      undefined,
    ]);
    expect(result.stdout).toMatch(/^verdict: ok: 10 checks passed$/m);
    expect(result.status).toBe(0);
  });

  it("fails the registry line, naming the user, when the password is wrong", async () => {
    const s = setup("basic-wrong", basic.host, BASIC_USER, "not-the-password");
    const result = await run(`${basic.host}/team/app:v1`, s);
    expect(line(result, "registry")).toBe(
      `fail  registry          ${basic.host} rejected the credentials of user "${BASIC_USER}" (Basic auth, 401 on GET http://${basic.host}/v2/): wrong username or password`,
    );
    expect(result.stdout).toMatch(/^verdict: fail: 1 check failed \(registry\)$/m);
    expect(result.status).toBe(1);
  });

  it.each([
    {
      name: "an unknown repository",
      image: "team/missing:v1",
      expected: (host: string) =>
        `${host} has no repository "team/missing" (404 on HEAD team/missing:v1: NAME_UNKNOWN repository name not known to registry)`,
    },
    {
      name: "an unknown tag, listing the tags there are",
      image: "team/app:v9",
      expected: (host: string) =>
        `${host} has repository "team/app" but no manifest "v9" (404 on HEAD team/app:v9); it has "v1"`,
    },
  ])("says so on the registry line for $name", async ({ image, expected }) => {
    const s = setup(`basic-${image.replace(/\W/g, "-")}`, basic.host, BASIC_USER, BASIC_PASSWORD);
    const result = await run(`${basic.host}/${image}`, s);
    expect(line(result, "registry")).toBe(`fail  registry          ${expected(basic.host)}`);
    expect(result.status).toBe(1);
  });

  it("says the registry is unreachable when nothing listens", async () => {
    const host = `127.0.0.1:${await closedPort()}`;
    const s = setup("down", host, BASIC_USER, BASIC_PASSWORD);
    const result = await run(`${host}/team/app:v1`, s, true);
    expect(result.report?.checks.find((c) => c.id === "registry")).toEqual({
      id: "registry",
      status: "fail",
      summary: `registry ${host} unreachable: GET http://${host}/v2/: connection refused`,
    });
    expect(result.report?.verdict).toBe("fail");
    expect(result.status).toBe(1);
  });
});

describe("pullkey doctor against distribution with token auth (Bearer)", () => {
  it("gets a token from the realm and passes every check", async () => {
    const s = setup("bearer-ok", bearer.host, TOKEN_USER, TOKEN_PASSWORD);
    const result = await run(`${bearer.host}/team/app:v1`, s);
    expect(line(result, "registry")).toMatch(
      new RegExp(
        `^ok\\s+registry\\s+${bearer.host} accepted the credentials of user "${TOKEN_USER}": HEAD team/app:v1 answered 200 \\(application/vnd.docker.distribution.manifest.v2\\+json, sha256:[0-9a-f]{64}\\)$`,
      ),
    );
    expect(result.status).toBe(0);
  });

  it("fails at the token server when the password is wrong", async () => {
    const s = setup("bearer-wrong", bearer.host, TOKEN_USER, "not-the-password");
    const result = await run(`${bearer.host}/team/app:v1`, s);
    expect(line(result, "registry")).toBe(
      `fail  registry          token server ${new URL(tokens.realm).origin}/token rejected the credentials of user "${TOKEN_USER}" (401: incorrect username or password): wrong username or password/token`,
    );
    expect(result.status).toBe(1);
  });

  it("tells an unknown tag apart with the token it got", async () => {
    const s = setup("bearer-tag", bearer.host, TOKEN_USER, TOKEN_PASSWORD);
    const result = await run(`${bearer.host}/team/app:nope`, s);
    expect(line(result, "registry")).toBe(
      `fail  registry          ${bearer.host} has repository "team/app" but no manifest "nope" (404 on HEAD team/app:nope); it has "v1"`,
    );
  });
});
