import { spawn } from "node:child_process";
import { createSign, generateKeyPairSync, type KeyObject, randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import {
  ensureVaultServer,
  selectedVaultServer,
  startVault,
  type VaultPeer,
} from "../../../scripts/peers/vault.mjs";

/**
 * A real dev-mode Vault (OpenBao, or HashiCorp Vault under PULLKEY_VAULT_SERVER=vault) set up the way an operator would for pullkey: KV v2 at secret/, KV v1 at
 * kv1/, a "pull" policy, and AppRole, JWT, Kubernetes and TLS certificate auth, each with a role
 * that has the policy. A file audit device counts logins. JWTs are minted here with a key
 * registered in jwt_validation_pubkeys, and a tiny TokenReview endpoint stands in for the
 * Kubernetes API server that Kubernetes auth always calls (backends.md §B.5, §B.6).
 */

/** The audience the kubelet's tokenAttributes would ask for. */
export const AUDIENCE = "vault.example/dockerhub";

/** Every secret value written to this Vault, for the leak scans. */
export const secrets: string[] = [];

/** A fresh secret value that the leak scans will look for. */
export function newSecret(label: string): string {
  const value = `${label}-${randomBytes(6).toString("hex")}`;
  secrets.push(value);
  return value;
}

export interface TestVault extends VaultPeer {
  /** Calls the Vault HTTP API as root (or with `token`); resolves with status and JSON body. */
  api(
    method: string,
    path: string,
    body?: unknown,
    token?: string,
    // biome-ignore lint/suspicious/noExplicitAny: Vault's JSON answers, read ad hoc by tests
  ): Promise<{ status: number; body: any }>;
  /** Writes a KV v2 secret version (secret/) or a KV v1 secret (kv1/). */
  writeSecret(mountPath: string, data: Record<string, unknown>): Promise<void>;
  /** Logins recorded by the audit device so far, for `auth/<mount>/login`. */
  logins(mount: string): number;
  /** KV reads recorded by the audit device so far, for an API path such as secret/data/x. */
  reads(path: string): number;
  appRole: { roleId: string; secretId: string };
  /** Signs a Kubernetes-style service account token Vault's JWT and Kubernetes auth accept. */
  mintToken(account: { namespace: string; name: string; uid?: string; audience?: string }): string;
  /** A token signed by a key Vault does not know. */
  mintForeignToken(account: { namespace: string; name: string }): string;
}

/** Installs or builds the server if needed (once per machine), starts it and sets it up. */
export async function startTestVault(): Promise<TestVault> {
  const server = selectedVaultServer();
  const peer = await startVault({ server, binary: await ensureVaultServer(server) });
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const foreign = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const tokenReview = await startTokenReview(publicKey);
  const { auditLog } = peer;

  const api: TestVault["api"] = async (method, path, body, token = peer.rootToken) => {
    const res = await fetch(`${peer.address}/v1/${path}`, {
      method,
      headers: { "X-Vault-Token": token, "Content-Type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text === "" ? null : JSON.parse(text) };
  };
  const must = async (method: string, path: string, body?: unknown) => {
    const res = await api(method, path, body);
    if (res.status >= 300) {
      throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    }
    return res.body;
  };

  await must("POST", "sys/mounts/kv1", { type: "kv", options: { version: "1" } });
  await must("PUT", "sys/policies/acl/pull", {
    policy: [
      'path "secret/data/registries/*" { capabilities = ["read"] }',
      'path "secret/data/teams/*" { capabilities = ["read"] }',
      'path "kv1/registries/*" { capabilities = ["read"] }',
    ].join("\n"),
  });
  const roleSettings = { token_policies: ["pull"], token_ttl: "1h" };

  await must("POST", "sys/auth/approle", { type: "approle" });
  await must("POST", "auth/approle/role/pullkey", roleSettings);
  const roleId = (await must("GET", "auth/approle/role/pullkey/role-id")).data.role_id as string;
  const secretId = (await must("POST", "auth/approle/role/pullkey/secret-id", {})).data
    .secret_id as string;
  secrets.push(secretId);

  await must("POST", "sys/auth/jwt", { type: "jwt" });
  await must("POST", "auth/jwt/config", {
    jwt_validation_pubkeys: [publicKey.export({ type: "spki", format: "pem" })],
  });
  await must("POST", "auth/jwt/role/pullkey", {
    ...roleSettings,
    role_type: "jwt",
    bound_audiences: [AUDIENCE],
    user_claim: "sub",
    bound_claims_type: "glob",
    bound_claims: { "/kubernetes.io/namespace": "*" },
  });

  // Defence in depth for KEP-4412 (docs/vault.md): the token's namespace claim becomes alias
  // metadata, and a templated policy allows only that namespace's secrets.
  const jwtAccessor = (await must("GET", "sys/auth")).data["jwt/"].accessor as string;
  await must("PUT", "sys/policies/acl/team-scoped", {
    policy: `path "secret/data/teams/{{identity.entity.aliases.${jwtAccessor}.metadata.namespace}}/*" { capabilities = ["read"] }`,
  });
  await must("POST", "auth/jwt/role/team-scoped", {
    token_policies: ["team-scoped"],
    token_ttl: "1h",
    role_type: "jwt",
    bound_audiences: [AUDIENCE],
    user_claim: "sub",
    claim_mappings: { "/kubernetes.io/namespace": "namespace" },
  });

  await must("POST", "sys/auth/kubernetes", { type: "kubernetes" });
  await must("POST", "auth/kubernetes/config", {
    kubernetes_host: tokenReview.url,
    disable_local_ca_jwt: true,
    // OpenBao insists on a CA once the local one is off; the TokenReview stand-in speaks plain
    // HTTP, so any CA will do.
    kubernetes_ca_cert: readFileSync(peer.pki.caFile, "utf8"),
  });
  await must("POST", "auth/kubernetes/role/pullkey", {
    ...roleSettings,
    bound_service_account_names: ["*"],
    bound_service_account_namespaces: ["*"],
    audience: AUDIENCE,
  });

  await must("POST", "sys/auth/cert", { type: "cert" });
  await must("POST", "auth/cert/certs/node", {
    ...roleSettings,
    certificate: readFileSync(peer.pki.caFile, "utf8"),
  });

  const auditEntries = () =>
    existsSync(auditLog)
      ? readFileSync(auditLog, "utf8")
          .split("\n")
          .filter((line) => line.startsWith("{"))
          .map((line) => JSON.parse(line) as { type: string; request?: { path?: string } })
          .filter((entry) => entry.type === "request")
      : [];

  const mint = (
    key: KeyObject,
    account: { namespace: string; name: string; uid?: string; audience?: string },
  ) => {
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      iss: "https://kubernetes.default.svc.cluster.local",
      sub: `system:serviceaccount:${account.namespace}:${account.name}`,
      aud: [account.audience ?? AUDIENCE],
      iat: now,
      nbf: now,
      exp: now + 3600,
      jti: randomBytes(8).toString("hex"),
      "kubernetes.io": {
        namespace: account.namespace,
        serviceaccount: { name: account.name, uid: account.uid ?? `uid-${account.name}` },
        pod: { name: `${account.name}-pod`, uid: randomBytes(8).toString("hex") },
        node: { name: "node-1", uid: "node-1-uid" },
      },
    };
    const token = signEs256(key, claims);
    secrets.push(token);
    return token;
  };

  return {
    ...peer,
    async stop() {
      tokenReview.stop();
      await peer.stop();
    },
    api,
    async writeSecret(mountPath, data) {
      const [mount, ...rest] = mountPath.split("/");
      const path = rest.join("/");
      if (mount === "secret") await must("POST", `secret/data/${path}`, { data });
      else await must("POST", mountPath, data);
    },
    logins: (mount) =>
      auditEntries().filter((e) => e.request?.path === `auth/${mount}/login`).length,
    reads: (path) => auditEntries().filter((e) => e.request?.path === path).length,
    appRole: { roleId, secretId },
    mintToken: (account) => mint(privateKey, account),
    mintForeignToken: (account) => mint(foreign.privateKey, account),
  };
}

/** An ES256 JWT, as Kubernetes issues them with an EC key (JWS compact serialisation). */
function signEs256(key: KeyObject, claims: unknown): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const input = `${encode({ alg: "ES256", typ: "JWT", kid: "test" })}.${encode(claims)}`;
  const signature = createSign("SHA256")
    .update(input)
    .sign({ key, dsaEncoding: "ieee-p1363" })
    .toString("base64url");
  return `${input}.${signature}`;
}

/**
 * Answers TokenReview for the Kubernetes auth method: a token signed by the test key is
 * authenticated as the service account in its claims, for the audiences it carries. It runs in
 * a child process, because end-to-end tests block this one in spawnSync while Vault calls it.
 */
async function startTokenReview(publicKey: KeyObject): Promise<{ stop(): void; url: string }> {
  const child = spawn(process.execPath, ["-e", TOKEN_REVIEW_SERVER], {
    env: { PUBLIC_KEY: publicKey.export({ type: "spki", format: "pem" }).toString() },
    // stdin stays open while this process lives; the server exits when it closes.
    stdio: ["pipe", "pipe", "inherit"],
  });
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout.once("data", (chunk: Buffer) => resolve(chunk.toString().trim()));
    child.once("exit", (code) => reject(new Error(`TokenReview server exited ${code}`)));
  });
  return { stop: () => child.kill(), url: `http://127.0.0.1:${port}` };
}

const TOKEN_REVIEW_SERVER = `
const { createPublicKey, verify } = require("node:crypto");
const key = createPublicKey(process.env.PUBLIC_KEY);
const server = require("node:http").createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const review = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}");
    const token = (review.spec && review.spec.token) || "";
    const [header = "", payload = "", signature = ""] = token.split(".");
    let valid = false;
    try {
      valid = signature !== "" && verify("SHA256", Buffer.from(header + "." + payload),
        { key, dsaEncoding: "ieee-p1363" }, Buffer.from(signature, "base64url"));
    } catch {}
    const claims = valid ? JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) : {};
    const wanted = (review.spec && review.spec.audiences) || [];
    const audiences = wanted.filter((a) => (claims.aud || []).includes(a));
    const ok = valid && (wanted.length === 0 || audiences.length > 0);
    res.setHeader("Content-Type", "application/json");
    res.end(JSON.stringify({
      apiVersion: "authentication.k8s.io/v1",
      kind: "TokenReview",
      status: ok
        ? { authenticated: true, audiences, user: { username: claims.sub,
            uid: claims["kubernetes.io"].serviceaccount.uid, groups: ["system:serviceaccounts"] } }
        : { authenticated: false, error: "token not valid" },
    }));
  });
});
server.listen(0, "127.0.0.1", () => process.stdout.write(server.address().port + "\\n"));
process.stdin.on("end", () => process.exit(0)).resume();
process.on("SIGTERM", () => process.exit(0));
`;
