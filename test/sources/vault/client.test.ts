import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as z from "zod/mini";
import { createVaultClient, type VaultClient } from "../../../provider/sources/vault/client.js";
import { vaultSource } from "../../../provider/sources/vault/source.js";
import { vaultSpec } from "../../../provider/sources/vault/spec.js";

// node-vault's quirks (backends.md §C.3), pinned at the wire: a loopback server records what
// our wrapper actually sends. Behaviour against a real Vault is in source.test.ts.

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

let server: Server;
let address = "";
const seen: Seen[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      seen.push({
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      });
      res.setHeader("Content-Type", "application/json");
      if (req.url?.endsWith("/login")) {
        res.end(JSON.stringify({ auth: { client_token: "hvs.from-login", lease_duration: 60 } }));
      } else {
        res.end(JSON.stringify({ data: { data: { password: "p" } } }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  address = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server?.close();
});

function client(namespace?: string): VaultClient {
  return createVaultClient({
    address,
    namespace,
    timeoutMs: 2_000,
    tls: { insecureSkipVerify: false },
    signal: AbortSignal.timeout(10_000),
  });
}

async function last(run: () => Promise<unknown>): Promise<Seen> {
  seen.length = 0;
  await run();
  const request = seen.at(-1);
  if (!request) throw new Error("nothing was sent");
  return request;
}

describe("the node-vault wrapper", () => {
  it.each([
    { method: "kubernetes", mount: "kubernetes", url: "/v1/auth/kubernetes/login" },
    { method: "kubernetes", mount: "k8s/prod", url: "/v1/auth/k8s/prod/login" },
    { method: "jwt", mount: "kubernetes-jwt", url: "/v1/auth/kubernetes-jwt/login" },
    { method: "approle", mount: "approle", url: "/v1/auth/approle/login" },
    { method: "cert", mount: "cert-nodes", url: "/v1/auth/cert-nodes/login" },
  ] as const)(
    "posts a $method login to $url (never auth//login)",
    async ({ method, mount, url }) => {
      const body =
        method === "approle" ? { role_id: "r" } : method === "cert" ? {} : { role: "r", jwt: "j" };
      const request = await last(() => client().login(method, mount, body));
      expect(request).toMatchObject({ method: "POST", url });
      expect(JSON.parse(request.body || "{}")).not.toHaveProperty("mount_point");
    },
  );

  it("sends each call's own token, not the first one it saw", async () => {
    const c = client();
    expect((await last(() => c.read("secret/data/a", "hvs.first"))).headers["x-vault-token"]).toBe(
      "hvs.first",
    );
    expect((await last(() => c.read("secret/data/a", "hvs.second"))).headers["x-vault-token"]).toBe(
      "hvs.second",
    );
  });

  it("sends no token with a login, even when VAULT_TOKEN is set", async () => {
    const saved = process.env["VAULT_TOKEN"];
    process.env["VAULT_TOKEN"] = "hvs.from-the-environment";
    try {
      const request = await last(() => client().login("approle", "approle", { role_id: "r" }));
      expect(request.headers["x-vault-token"]).toBeUndefined();
    } finally {
      if (saved === undefined) delete process.env["VAULT_TOKEN"];
      else process.env["VAULT_TOKEN"] = saved;
    }
  });

  it.each([
    { name: "the configured namespace", namespace: "team-a", header: "team-a" },
    {
      name: "no namespace, even when VAULT_NAMESPACE is set",
      namespace: undefined,
      header: undefined,
    },
  ])("sends $name", async ({ namespace, header }) => {
    const saved = process.env["VAULT_NAMESPACE"];
    process.env["VAULT_NAMESPACE"] = "from-the-environment";
    try {
      const request = await last(() => client(namespace).read("secret/data/a", "hvs.t"));
      expect(request.headers["x-vault-namespace"]).toBe(header);
    } finally {
      if (saved === undefined) delete process.env["VAULT_NAMESPACE"];
      else process.env["VAULT_NAMESPACE"] = saved;
    }
  });
});

describe("settings from the config and from the kubelet's environment", () => {
  const fetchWith = async (fields: Record<string, unknown>, env: Record<string, string>) => {
    const spec = vaultSpec(z).parse({
      type: "vault",
      auth: { method: "token", token: "hvs.t" },
      secret: { engine: "kv-v2", mount: "secret", path: "x", fields: { username: "" } },
      ...fields,
    });
    return last(() =>
      vaultSource(spec, {
        baseDir: "/",
        readFile: () => Promise.reject(new Error("no files")),
        env,
        now: () => new Date(),
        stateDir: "/nonexistent",
      }).fetch({
        image: "docker.io/library/busybox",
        registry: "docker.io",
        signal: AbortSignal.timeout(10_000),
      }),
    );
  };

  it.each([
    {
      name: "the config's address over VAULT_ADDR",
      fields: () => ({ address }),
      env: () => ({ VAULT_ADDR: "http://127.0.0.1:1" }),
      namespace: undefined,
    },
    {
      name: "VAULT_ADDR when the config has no address",
      fields: () => ({}),
      env: () => ({ VAULT_ADDR: address }),
      namespace: undefined,
    },
    {
      name: "the config's namespace over VAULT_NAMESPACE",
      fields: () => ({ address, namespace: "team-a" }),
      env: () => ({ VAULT_NAMESPACE: "team-b" }),
      namespace: "team-a",
    },
    {
      name: "VAULT_NAMESPACE when the config has none",
      fields: () => ({ address }),
      env: () => ({ VAULT_NAMESPACE: "admin/team-b/" }),
      namespace: "admin/team-b",
    },
  ])("uses $name", async ({ fields, env, namespace }) => {
    const request = await fetchWith(fields(), env());
    expect(request.url).toBe("/v1/secret/data/x");
    expect(request.headers["x-vault-namespace"]).toBe(namespace);
  });
});
