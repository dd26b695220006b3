import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createHash, createPrivateKey, randomUUID, sign } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { ensureRegistry } from "../../scripts/peers/registry.mjs";

/**
 * Test peers for the doctor: Debian's CNCF distribution registry (htpasswd or token auth) on
 * loopback, and a token server that issues the ES256 JWTs distribution accepts (backends.md §A.8).
 */

/** bcrypt (cost 4) of BASIC_PASSWORD: distribution accepts bcrypt htpasswd entries only. */
export const BASIC_USER = "doctor-robot";
export const BASIC_PASSWORD = "doctor-basic-password-7f3a";
const BASIC_HASH = "$2b$04$pfBENM4v70imsNH.50lW2.byP7v9oQriAxUNbRTX2UmqWv688tHeG";

export interface Registry {
  /** 127.0.0.1:<port>, the host as it appears in image names. */
  host: string;
  stop(): Promise<void>;
}

/** A loopback port nobody listens on (taken and released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts the registry with the given `auth:` YAML block; waits until /v2/ answers 401. */
export async function startRegistry(dir: string, auth: string): Promise<Registry> {
  const bin = await ensureRegistry();
  mkdirSync(dir, { recursive: true });
  let lastError = "";
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await closedPort();
    const host = `127.0.0.1:${port}`;
    const config = join(dir, `registry-${port}.yml`);
    writeFileSync(
      config,
      `version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${join(dir, "storage")}
  maintenance:
    uploadpurging:
      enabled: false
health:
  storagedriver:
    enabled: false
http:
  addr: ${host}
  secret: doctor-test-only-not-secret
${auth}`,
    );
    const child = spawn(bin, ["serve", config], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout?.on("data", (d) => {
      output += d;
    });
    child.stderr?.on("data", (d) => {
      output += d;
    });
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    if (await answers(host, child)) {
      return {
        host,
        stop: async () => {
          child.kill("SIGTERM");
          await exited;
        },
      };
    }
    child.kill("SIGKILL");
    await exited;
    lastError = output;
  }
  throw new Error(`the registry did not start: ${lastError}`);
}

async function answers(host: string, child: ChildProcess): Promise<boolean> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && child.exitCode === null) {
    try {
      const res = await fetch(`http://${host}/v2/`);
      if (res.status === 401) return true;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/** The registry `auth:` block for htpasswd, with the one test user. */
export function htpasswdAuth(dir: string): string {
  const file = join(dir, "htpasswd");
  writeFileSync(file, `${BASIC_USER}:${BASIC_HASH}\n`);
  return `auth:\n  htpasswd:\n    realm: doctor-basic\n    path: ${file}\n`;
}

export interface TokenServer {
  realm: string;
  /** Tokens handed out, so tests can check none leaks into output. */
  issued: string[];
  /** The registry `auth:` block that trusts this server. */
  auth: string;
  stop(): Promise<void>;
}

export const TOKEN_USER = "doctor-bearer";
export const TOKEN_PASSWORD = "doctor-bearer-password-91be";
const SERVICE = "pullkey-doctor-registry";
const ISSUER = "pullkey-doctor-issuer";

/**
 * A token server like auth.docker.io: Basic credentials in, a JWT for the asked scope out,
 * signed ES256 with a self-signed certificate in `x5c` that is the registry's rootcertbundle.
 */
export async function startTokenServer(dir: string): Promise<TokenServer> {
  const key = join(dir, "token-key.pem");
  const cert = join(dir, "token-cert.pem");
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      key,
      "-out",
      cert,
      "-days",
      "2",
      "-subj",
      "/CN=pullkey-doctor-token",
    ],
    { stdio: "ignore" },
  );
  const privateKey = createPrivateKey(readFileSync(key));
  const der = Buffer.from(
    readFileSync(cert, "utf8")
      .replace(/-----[^-]+-----/g, "")
      .replace(/\s+/g, ""),
    "base64",
  );
  const issued: string[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const expected = `Basic ${Buffer.from(`${TOKEN_USER}:${TOKEN_PASSWORD}`).toString("base64")}`;
    if (url.pathname !== "/token" || req.headers.authorization !== expected) {
      res.writeHead(401, { "content-type": "application/json" });
      res.end(JSON.stringify({ details: "incorrect username or password" }));
      return;
    }
    const access = url.searchParams.getAll("scope").flatMap((scope) => {
      const [type, name, actions] = scope.split(":");
      return type && name && actions ? [{ type, name, actions: actions.split(",") }] : [];
    });
    const now = Math.floor(Date.now() / 1000);
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const head = b64({ alg: "ES256", typ: "JWT", x5c: [der.toString("base64")] });
    const claims = b64({
      iss: ISSUER,
      sub: TOKEN_USER,
      aud: url.searchParams.get("service") ?? SERVICE,
      exp: now + 300,
      nbf: now - 10,
      iat: now,
      jti: randomUUID(),
      access,
    });
    const signature = sign("sha256", Buffer.from(`${head}.${claims}`), {
      key: privateKey,
      dsaEncoding: "ieee-p1363",
    }).toString("base64url");
    const token = `${head}.${claims}.${signature}`;
    issued.push(token);
    res.writeHead(200, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        token,
        access_token: token,
        expires_in: 300,
        issued_at: new Date().toISOString(),
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const realm = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
  return {
    realm,
    issued,
    auth: `auth:\n  token:\n    realm: ${realm}\n    service: ${SERVICE}\n    issuer: ${ISSUER}\n    rootcertbundle: ${cert}\n`,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A token from the server for `scope`, as a client would get one. */
export async function bearerFor(realm: string, scope: string): Promise<string> {
  const url = `${realm}?service=${SERVICE}&scope=${encodeURIComponent(scope)}`;
  const res = await fetch(url, {
    headers: {
      authorization: `Basic ${Buffer.from(`${TOKEN_USER}:${TOKEN_PASSWORD}`).toString("base64")}`,
    },
  });
  const doc = (await res.json()) as { token: string };
  return `Bearer ${doc.token}`;
}

/** Pushes a one-layer Docker schema 2 image to `repo:tag` through the registry API. */
export async function pushImage(
  host: string,
  repo: string,
  tag: string,
  authorization: string,
): Promise<string> {
  const base = `http://${host}`;
  const blob = async (bytes: Buffer) => {
    const digest = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
    const start = await fetch(`${base}/v2/${repo}/blobs/uploads/`, {
      method: "POST",
      headers: { authorization },
    });
    if (start.status !== 202)
      throw new Error(`upload start: ${start.status} ${await start.text()}`);
    const location = new URL(start.headers.get("location") ?? "", base);
    location.searchParams.set("digest", digest);
    const put = await fetch(location, {
      method: "PUT",
      headers: { authorization, "content-type": "application/octet-stream" },
      body: bytes,
    });
    if (put.status !== 201) throw new Error(`upload: ${put.status} ${await put.text()}`);
    return { digest, size: bytes.length };
  };
  const config = await blob(
    Buffer.from(
      JSON.stringify({
        architecture: "amd64",
        os: "linux",
        rootfs: { type: "layers", diff_ids: [] },
      }),
    ),
  );
  const layer = await blob(Buffer.from(`doctor layer ${repo}:${tag}`));
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.docker.distribution.manifest.v2+json",
    config: { mediaType: "application/vnd.docker.container.image.v1+json", ...config },
    layers: [{ mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip", ...layer }],
  });
  const res = await fetch(`${base}/v2/${repo}/manifests/${tag}`, {
    method: "PUT",
    headers: {
      authorization,
      "content-type": "application/vnd.docker.distribution.manifest.v2+json",
    },
    body: manifest,
  });
  if (res.status !== 201) throw new Error(`manifest: ${res.status} ${await res.text()}`);
  return `sha256:${createHash("sha256").update(manifest).digest("hex")}`;
}
