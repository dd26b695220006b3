// A real HashiCorp Vault for the Vault source tests, built from the Go module proxy and run in
// dev mode on loopback. `go install github.com/hashicorp/vault@v…` is refused (the module has
// replace directives) and the module zip leaves out the nested api/ and sdk/ modules those
// replaces point at, so we build in a writable copy with the replaces dropped, the nested
// modules at the versions Vault's go.mod already requires, and three checked call-site edits
// where the release branch's sdk differs from that tag (SOURCE_PATCHES; backends.md §0, §B.9).
// The binary is cached outside the clone, keyed by version, so later runs and CI reuse it.
import { spawn } from "node:child_process";
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ensureOpenBao } from "./openbao.mjs";
import { pidAlive, publishBuild, sweepAbandoned } from "./publish.mjs";

/** The pinned Vault release: 1.21.x, as 2.x tags cannot be fetched from the proxy (§B.9). */
export const VAULT_VERSION = "v1.21.4";

/** Overrides the cache root ($HOME/.cache/pullkey-test-peers), read when called. */
export const PEER_CACHE_ENV = "PULLKEY_PEER_CACHE";

/** The dev server's root token; the server is in-memory and loopback-only. */
export const VAULT_ROOT_TOKEN = "pullkey-test-root";

const MODULE = "github.com/hashicorp/vault";

/**
 * The 1.21.x release branch builds against an sdk between published tags, and the proxy serves
 * tagged versions only (no pseudo-versions of the release commit). With the sdk go.mod already
 * requires (v0.21.0) three call sites differ, adapted by these exact, checked source edits: a
 * patch whose text is missing fails the build loudly. Newer sdk tags (v0.24+) diverge further.
 */
const SOURCE_PATCHES = [
  {
    file: "builtin/logical/transit/path_restore.go",
    why: "sdk v0.21 RestorePolicy returns only an error (the name feeds an observation only)",
    from: "restoredKeyName, err := b.lm.RestorePolicy(",
    to: "restoredKeyName, err := keyName, b.lm.RestorePolicy(",
  },
  {
    file: "vault/identity_store.go",
    why: "sdk v0.21 ActivationFunc takes a third (feature name) argument",
    from: "ActivationFunc: iStore.activateDeduplication,",
    to: "ActivationFunc: func(ctx context.Context, req *logical.Request, _ string) error { return iStore.activateDeduplication(ctx, req) },",
  },
  {
    file: "vault/logical_system_activation_flags.go",
    why: "sdk v0.21 ActivationFunc takes a third (feature name) argument",
    from: "b.idStoreBackend.ActivationFunc(ctx, nil)",
    to: 'b.idStoreBackend.ActivationFunc(ctx, nil, "")',
  },
];

function applyPatch(src, patch) {
  const file = join(src, patch.file);
  const text = readFileSync(file, "utf8");
  if (text.split(patch.from).length !== 2) {
    throw new Error(`Vault source patch for ${patch.file} no longer applies (${patch.why})`);
  }
  writeFileSync(file, text.replace(patch.from, patch.to));
}

const log = (line) => process.stderr.write(`peers: ${line}\n`);

/** Chooses the server a test process's Vault fixture starts ("openbao" or "vault"), read when called. */
export const VAULT_SERVER_ENV = "PULLKEY_VAULT_SERVER";

/** "full" provisions every peer, HashiCorp Vault's long build included (CI sets it). */
export const PEERS_ENV = "PULLKEY_PEERS";

/**
 * The Vault-API servers the Vault suites run against: OpenBao always (ready in seconds), and
 * HashiCorp Vault when its build is cached or PULLKEY_PEERS=full asks for it.
 */
export function vaultServers() {
  const vault = process.env[PEERS_ENV] === "full" || existsSync(vaultBinaryPath());
  return vault ? ["openbao", "vault"] : ["openbao"];
}

/** The server this process's fixtures use: $PULLKEY_VAULT_SERVER, else OpenBao. */
export function selectedVaultServer() {
  const server = process.env[VAULT_SERVER_ENV] || "openbao";
  if (server !== "openbao" && server !== "vault") {
    throw new Error(
      `${VAULT_SERVER_ENV} must be "openbao" or "vault", not ${JSON.stringify(server)}`,
    );
  }
  return server;
}

/** The binary of a Vault-API server, installed or built on first use. */
export function ensureVaultServer(server = selectedVaultServer()) {
  return server === "vault" ? ensureVault() : ensureOpenBao();
}

/** Where this Vault version's binary lives once built. */
export function vaultBinaryPath(version = VAULT_VERSION) {
  const root = process.env[PEER_CACHE_ENV] || join(homedir(), ".cache", "pullkey-test-peers");
  return join(root, `vault-${version.replace(/^v/, "")}`, "vault");
}

/**
 * Returns the Vault binary, building it on first use (many minutes on a cold machine; niced,
 * as the machine is shared). One process builds while the others (test files, parallel runs)
 * wait for it: a lock folder names the builder's pid, and a lock whose process is gone is taken
 * over.
 */
export async function ensureVault({ version = VAULT_VERSION } = {}) {
  const binary = vaultBinaryPath(version);
  const dir = join(binary, "..");
  const lock = `${dir}.lock`;
  let waiting = false;
  for (;;) {
    if (existsSync(binary)) return binary;
    try {
      mkdirSync(join(dir, ".."), { recursive: true });
      mkdirSync(lock);
      writeFileSync(join(lock, "pid"), String(process.pid));
      break;
    } catch (error) {
      if (error.code !== "EEXIST") throw error;
    }
    if (lockHolderAlive(lock)) {
      if (!waiting) log(`waiting for another process that is building Vault ${version}`);
      waiting = true;
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    } else {
      rmSync(lock, { recursive: true, force: true });
    }
  }
  // Folders left by builders that were killed (a test run's timeout) hold a whole source copy.
  sweepAbandoned(dir);
  try {
    return existsSync(binary) ? binary : await buildVault(version, binary);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function lockHolderAlive(lock) {
  try {
    return pidAlive(Number(readFileSync(join(lock, "pid"), "utf8")));
  } catch {
    // No pid file yet: the holder is between mkdir and write.
    try {
      return Date.now() - statSync(lock).mtimeMs < 10_000;
    } catch {
      return false;
    }
  }
}

async function buildVault(version, binary) {
  const dir = join(binary, "..");
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const started = Date.now();
  log(`building Vault ${version} from the Go module proxy (first run only; takes minutes)`);
  try {
    // GOFLAGS=-mod=mod lets go.sum gain the nested modules, which the replaces kept out of it.
    const env = { ...process.env, CGO_ENABLED: "0", GOTOOLCHAIN: "local", GOFLAGS: "-mod=mod" };
    const info = JSON.parse(
      (await go(["mod", "download", "-json", `${MODULE}@${version}`], { env, cwd: tmp })).output,
    );
    if (info.Error || !info.Dir) throw new Error(`go mod download: ${info.Error ?? "no Dir"}`);
    const src = join(tmp, "src");
    cpSync(info.Dir, src, { recursive: true });
    makeWritable(src);
    const modfile = readFileSync(join(src, "go.mod"), "utf8");
    const localReplaces = [...modfile.matchAll(/^\s*replace\s+(\S+)\s+=>\s+\.\/\S+\s*$/gm)].map(
      (m) => m[1],
    );
    await go(["mod", "edit", ...localReplaces.map((m) => `-dropreplace=${m}`)], { env, cwd: src });
    for (const patch of SOURCE_PATCHES) applyPatch(src, patch);
    // No symbol tables: the binary is cached (and in CI uploaded), and nobody debugs it.
    await go(["build", "-trimpath", "-ldflags=-s -w", "-o", join(tmp, "vault"), "."], {
      env,
      cwd: src,
    });
    rmSync(src, { recursive: true, force: true });
    writeFileSync(
      join(tmp, "BUILD.txt"),
      [
        `${MODULE}@${version}`,
        `dropped replaces: ${localReplaces.join(" ")}`,
        ...SOURCE_PATCHES.map((p) => `patched ${p.file}: ${p.why}`),
        "",
      ].join("\n"),
    );
  } catch (error) {
    rmSync(tmp, { recursive: true, force: true });
    throw error;
  }
  publishBuild(tmp, dir, binary);
  log(`built ${binary} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return binary;
}

// The module cache is read-only; the copy must be writable for go mod edit and go.sum.
function makeWritable(dir) {
  chmodSync(dir, 0o755);
  for (const entry of readdirRecursive(dir)) chmodSync(entry.path, entry.dir ? 0o755 : 0o644);
}

function* readdirRecursive(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      yield { path, dir: true };
      yield* readdirRecursive(path);
    } else {
      yield { path, dir: false };
    }
  }
}

async function go(args, options) {
  const result = await runProcess("nice", ["-n", "10", "go", ...args], options);
  if (result.status !== 0) {
    throw new Error(
      `go ${args.join(" ")} exited ${result.status}:\n${result.errors}${result.output}`,
    );
  }
  return result;
}

function runProcess(command, args, options) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
    const out = [];
    const err = [];
    child.stdout.on("data", (c) => out.push(c));
    child.stderr.on("data", (c) => err.push(c));
    child.on("error", (e) => reject(new Error(`${command}: ${e.message}`)));
    child.on("close", (status) =>
      resolve({
        status,
        output: Buffer.concat(out).toString("utf8"),
        errors: Buffer.concat(err).toString("utf8"),
      }),
    );
  });
}

/** A free loopback port (closed again before Vault binds it; fine on a test machine). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Makes a test CA, a server certificate for 127.0.0.1/localhost and a client certificate (for
 * TLS certificate auth) with openssl, in `dir`. Returns the file paths.
 */
export async function makeTestPki(dir) {
  const f = (name) => join(dir, name);
  const openssl = async (args) => {
    const result = await runProcess("openssl", args, { cwd: dir });
    if (result.status !== 0) throw new Error(`openssl ${args[0]} failed:\n${result.errors}`);
  };
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  await openssl([
    "req",
    "-x509",
    ...ec,
    "-keyout",
    f("ca.key"),
    "-out",
    f("ca.pem"),
    "-days",
    "2",
    "-subj",
    "/CN=pullkey test CA",
  ]);
  for (const [name, subject, ext] of [
    [
      "server",
      "/CN=127.0.0.1",
      "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth",
    ],
    ["client", "/CN=pullkey-node", "extendedKeyUsage=clientAuth"],
  ]) {
    writeFileSync(f(`${name}.ext`), `${ext}\n`);
    await openssl([
      "req",
      ...ec,
      "-keyout",
      f(`${name}.key`),
      "-out",
      f(`${name}.csr`),
      "-subj",
      subject,
    ]);
    await openssl([
      "x509",
      "-req",
      "-in",
      f(`${name}.csr`),
      "-CA",
      f("ca.pem"),
      "-CAkey",
      f("ca.key"),
      "-CAcreateserial",
      "-days",
      "2",
      "-extfile",
      f(`${name}.ext`),
      "-out",
      f(`${name}.pem`),
    ]);
  }
  return {
    caFile: f("ca.pem"),
    serverCertFile: f("server.pem"),
    serverKeyFile: f("server.key"),
    clientCertFile: f("client.pem"),
    clientKeyFile: f("client.key"),
  };
}

const running = new Set();
process.on("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

/**
 * Starts a dev-mode Vault or OpenBao (in memory, unsealed, KV v2 at secret/) on a free loopback
 * port, plus a TLS listener with a test CA on another port (for TLS certificate auth and TLS
 * failures), with a file audit device at `auditLog`. Resolves once both answer; `stop()` kills
 * it and removes its folder. A server left behind by a crashed test process is killed when that
 * process exits.
 */
export async function startVault({
  server = selectedVaultServer(),
  binary,
  rootToken = VAULT_ROOT_TOKEN,
} = {}) {
  const vault = binary ?? (await ensureVaultServer(server));
  const dir = mkdtempSync(join(tmpdir(), `pullkey-${server}-`));
  const pki = await makeTestPki(dir);
  const auditLog = join(dir, "audit.log");
  const [port, tlsPort] = [await freePort(), await freePort()];
  writeFileSync(
    join(dir, "listeners.hcl"),
    [
      "disable_mlock = true",
      // OpenBao refuses audit devices made through the API; it takes them from the config only.
      ...(server === "openbao"
        ? ['audit "file" "file" {', `  options { file_path = "${auditLog}" }`, "}"]
        : []),
      'listener "tcp" {',
      `  address = "127.0.0.1:${tlsPort}"`,
      `  tls_cert_file = "${pki.serverCertFile}"`,
      `  tls_key_file = "${pki.serverKeyFile}"`,
      `  tls_client_ca_file = "${pki.caFile}"`,
      "}",
      "",
    ].join("\n"),
  );
  const child = spawn(
    vault,
    [
      "server",
      "-dev",
      `-dev-root-token-id=${rootToken}`,
      `-dev-listen-address=127.0.0.1:${port}`,
      "-dev-no-store-token",
      `-config=${join(dir, "listeners.hcl")}`,
    ],
    {
      cwd: dir,
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: dir,
        VAULT_LOG_LEVEL: "warn",
        BAO_LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  running.add(child);
  const output = [];
  child.stdout.on("data", (c) => output.push(c));
  child.stderr.on("data", (c) => output.push(c));
  let exited = false;
  child.on("exit", () => {
    exited = true;
    running.delete(child);
  });
  const address = `http://127.0.0.1:${port}`;
  const tlsAddress = `https://127.0.0.1:${tlsPort}`;
  const stop = async () => {
    if (!exited) {
      const gone = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await gone;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(
        `${server} server -dev exited early:\n${Buffer.concat(output).toString("utf8")}`,
      );
    }
    try {
      const res = await fetch(`${address}/v1/sys/health`);
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `${server} did not become healthy in 60 s:\n${Buffer.concat(output).toString("utf8")}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (server === "vault") {
    const res = await fetch(`${address}/v1/sys/audit/file`, {
      method: "PUT",
      headers: { "X-Vault-Token": rootToken },
      body: JSON.stringify({ type: "file", options: { file_path: auditLog } }),
    });
    if (!res.ok) {
      await stop();
      throw new Error(`enabling Vault's file audit device: HTTP ${res.status} ${await res.text()}`);
    }
  }
  return {
    server,
    address,
    tlsAddress,
    rootToken,
    dir,
    pki,
    auditLog,
    stop,
    logs: () => Buffer.concat(output).toString("utf8"),
  };
}

// `node scripts/peers/vault.mjs` builds (or finds) the binary and prints its path, so CI can
// warm its cache before the tests run.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(`${await ensureVault()}\n`);
}
