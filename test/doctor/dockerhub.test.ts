import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HttpClient, nodeHttpClient } from "../../provider/doctor/http.js";
import {
  type DoctorRun,
  doctor,
  healthyNode,
  line,
  removeTemps,
  tempDir,
  writeTree,
} from "./harness.js";

/**
 * Docker Hub's rate-limit headers, which no real peer here can produce: a loopback server plays
 * registry-1.docker.io and auth.docker.io, and the client's only change is where
 * `https://registry-1.docker.io` connects (like a DNS override). Everything else is the wire.
 */

const PASSWORD = "hub-doctor-password-5e21";
const TOKEN = "hub-doctor-token-0b7c";
let server: Server;
let base: string;
let manifestHeaders: Record<string, string> = {};
let manifestStatus = 200;
const seen: { method: string; path: string; headers: IncomingHttpHeaders }[] = [];
const runs: DoctorRun[] = [];
let root: string;
let config: string;

const http: HttpClient = {
  request: (req, signal) =>
    nodeHttpClient().request(
      { ...req, url: req.url.replace("https://registry-1.docker.io", base) },
      signal,
    ),
};

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    seen.push({ method: req.method ?? "", path: url.pathname, headers: req.headers });
    if (url.pathname === "/token") {
      const ok =
        req.headers.authorization ===
        `Basic ${Buffer.from(`hub-user:${PASSWORD}`).toString("base64")}`;
      const scope = url.searchParams.get("scope");
      const service = url.searchParams.get("service");
      if (req.headers.authorization === undefined && scope === "repository:library/busybox:pull") {
        res.writeHead(200).end(JSON.stringify({ token: "anonymous-token" }));
        return;
      }
      if (!ok || scope !== "repository:library/busybox:pull" || service !== "registry.docker.io") {
        res.writeHead(401).end(JSON.stringify({ details: "incorrect username or password" }));
        return;
      }
      res
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ token: TOKEN, expires_in: 300 }));
      return;
    }
    if (req.headers.authorization === "Bearer anonymous-token") {
      res
        .writeHead(200, {
          "ratelimit-limit": "100;w=21600",
          "ratelimit-remaining": "99;w=21600",
          "docker-ratelimit-source": "192.0.2.1",
        })
        .end();
      return;
    }
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      res
        .writeHead(401, {
          "www-authenticate": `Bearer realm="${base}/token",service="registry.docker.io"`,
        })
        .end(
          '{"errors":[{"code":"UNAUTHORIZED","message":"authentication required","detail":null}]}',
        );
      return;
    }
    if (url.pathname === "/v2/library/busybox/manifests/latest") {
      res
        .writeHead(manifestStatus, {
          "content-type": "application/vnd.oci.image.index.v1+json",
          "docker-content-digest":
            "sha256:0000000000000000000000000000000000000000000000000000000000000000",
          ...manifestHeaders,
        })
        .end();
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  root = writeTree(tempDir("hub"), {
    ...healthyNode(["docker.io"]),
    "/etc/pullkey/password": { text: PASSWORD, mode: 0o600 },
  });
  config = join(root, "etc/pullkey/config.yaml");
  writeTree(root, {
    "/etc/pullkey/config.yaml": {
      text: `apiVersion: pullkey/v1\nkind: PullkeyConfig\nrules:\n  - name: hub\n    preset: dockerhub\n    source: {type: static, username: hub-user, passwordFile: password}\n`,
      mode: 0o600,
    },
  });
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  removeTemps();
  for (const r of runs)
    expect(`${r.stdout}${r.stderr}`).not.toMatch(new RegExp(`${PASSWORD}|${TOKEN}`));
});

async function run(): Promise<DoctorRun> {
  const result = await doctor(["busybox", "--config", config, "--root", root], { http });
  runs.push(result);
  return result;
}

describe("pullkey doctor reading Docker Hub's rate limit", () => {
  it.each([
    {
      name: "both headers",
      headers: {
        "ratelimit-limit": "200;w=21600",
        "ratelimit-remaining": "187;w=21600",
        "docker-ratelimit-source": "c0ffee00-account",
      },
      status: 200,
      expected:
        "ok    ratelimit         187 of 200 pulls left per 6h (counted for c0ffee00-account)",
      exit: 0,
    },
    {
      name: "no headers, which means unlimited",
      headers: {},
      status: 200,
      expected:
        "ok    ratelimit         no ratelimit-* headers: these pulls are not rate-limited (paid plan or exempt image)",
      exit: 0,
    },
    {
      name: "a malformed header",
      headers: { "ratelimit-limit": "lots;w=21600", "ratelimit-remaining": "3;w=21600" },
      status: 200,
      expected:
        'warn  ratelimit         unreadable rate-limit headers: ratelimit-limit "lots;w=21600"',
      exit: 0,
    },
    {
      name: "an allowance nearly used up",
      headers: { "ratelimit-limit": "100;w=21600", "ratelimit-remaining": "4;w=21600" },
      status: 200,
      expected: "warn  ratelimit         4 of 100 pulls left per 6h: nearly used up",
      exit: 0,
    },
    {
      name: "an allowance used up (429)",
      headers: { "ratelimit-limit": "100;w=21600", "ratelimit-remaining": "0;w=21600" },
      status: 429,
      expected:
        "fail  ratelimit         0 of 100 pulls left per 6h: pulls fail with 429 until the window moves on",
      exit: 1,
    },
  ])("reports $name on the ratelimit line", async ({ headers, status, expected, exit }) => {
    manifestHeaders = headers;
    manifestStatus = status;
    seen.length = 0;
    const result = await run();
    expect(line(result, "ratelimit")).toBe(expected);
    expect(result.status).toBe(exit);
    // Only HEAD touches the manifest: a GET would count as a pull (backends.md §A.2).
    const manifests = seen.filter((r) => r.path.includes("/manifests/"));
    expect(manifests.map((r) => r.method)).toEqual(["HEAD"]);
    expect(manifests[0]?.headers.accept).toContain(
      "application/vnd.docker.distribution.manifest.list.v2+json",
    );
    expect(manifests[0]?.headers.accept).toContain("application/vnd.oci.image.index.v1+json");
  });

  it("names the rate limit on the registry line when Docker Hub answers 429", async () => {
    manifestHeaders = { "ratelimit-limit": "100;w=21600", "ratelimit-remaining": "0;w=21600" };
    manifestStatus = 429;
    const result = await run();
    expect(line(result, "registry")).toBe(
      'fail  registry          docker.io is rate-limiting user "hub-user" (429 on HEAD library/busybox:latest): 0 of 100 pulls left',
    );
  });

  it("asks the realm for a pull token with Docker Hub's service and the library/ scope", async () => {
    manifestHeaders = {};
    manifestStatus = 200;
    seen.length = 0;
    const result = await run();
    expect(line(result, "registry")).toMatch(
      /^ok\s+registry\s+docker.io accepted the credentials of user "hub-user": HEAD library\/busybox:latest answered 200/,
    );
    expect(seen.map((r) => `${r.method} ${r.path}`)).toEqual([
      "GET /v2/",
      "GET /token",
      "HEAD /v2/library/busybox/manifests/latest",
    ]);
  });

  it("checks anonymous pulls with an anonymous token when no rule matches and unmatched is anonymous", async () => {
    const anonymous = join(root, "etc/pullkey/anonymous.yaml");
    writeTree(root, {
      "/etc/pullkey/anonymous.yaml": {
        text: `apiVersion: pullkey/v1\nkind: PullkeyConfig\nunmatched: anonymous\nrules:\n  - name: other\n    match: ["quay.io"]\n    source: {type: static, username: u, passwordFile: password}\n`,
        mode: 0o600,
      },
    });
    const result = await doctor(["busybox", "--config", anonymous, "--root", root], { http });
    runs.push(result);
    expect(line(result, "rule")).toBe(
      "warn  rule              no rule matches docker.io/library/busybox; with unmatched: anonymous pullkey answers without credentials",
    );
    expect(line(result, "registry")).toMatch(
      /^ok\s+registry\s+docker.io allows anonymous pulls: HEAD library\/busybox:latest answered 200$/,
    );
    expect(line(result, "ratelimit")).toBe(
      "ok    ratelimit         99 of 100 pulls left per 6h (counted for 192.0.2.1)",
    );
  });

  it("reminds which username Docker Hub expects when the token server rejects the login", async () => {
    const wrongUser = join(root, "etc/pullkey/wrong-user.yaml");
    writeTree(root, {
      "/etc/pullkey/wrong-user.yaml": {
        text: "apiVersion: pullkey/v1\nkind: PullkeyConfig\nrules:\n  - name: hub\n    preset: dockerhub\n    source: {type: static, username: me@example.com, passwordFile: password}\n",
        mode: 0o600,
      },
    });
    const result = await doctor(["busybox", "--config", wrongUser, "--root", root], { http });
    runs.push(result);
    expect(line(result, "registry")).toBe(
      `fail  registry          token server ${base}/token rejected the credentials of user "me@example.com" (401: incorrect username or password): wrong username or password/token; Docker Hub wants the Docker ID as username with a personal access token, and the organization name with an organization access token`,
    );
  });
});
