// Reference rows for `npm run bench` (issue 16): the two open-source Go kubelet credential
// providers for Vault, run against the bench's own Vault with the pod's service account token,
// so a Go exec doing one full login + KV read sits in the same table as pullkey. The Go module
// proxy does not serve either module, so nothing here builds them: they are used when a build is
// cached in $PULLKEY_PEER_CACHE/go-plugins/<name>-<commit>/ (peer.json says how it was built;
// docs/testing.md), and skipped with one line otherwise.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/** Where cached Go plugin builds live, read when called (same root as scripts/peers). */
export function goPeersDir() {
  const cache = process.env.PULLKEY_PEER_CACHE || join(homedir(), ".cache", "pullkey-test-peers");
  return join(cache, "go-plugins");
}

// Both log in at auth/<mount>/login with `{ role, jwt }`, Vault's Kubernetes auth body. JWT auth
// takes the same body, so a JWT mount at `kubernetes` trusting the bench's issuer serves them
// without an API server for TokenReview, and keeps the token check in Vault as for pullkey.
const AUTH_MOUNT = "kubernetes";
const ROLE = "bench";

/**
 * The peers, each as the kubelet would configure it: flags or a config file from the plugin's
 * README and source, and the request the kubelet would send it.
 */
const PEERS = [
  {
    module: "github.com/simonostendorf/kubelet-credential-provider-vault",
    // Flags as in the plugin's CredentialProviderConfig example. It opens a log file (and reads
    // .env and its YAML config) relative to the working directory, so it runs in its own folder.
    setup: ({ address }) => ({
      argv: [
        `--vault-addr=${address}`,
        "--vault-auth-method=kubernetes",
        `--vault-auth-mount=${AUTH_MOUNT}`,
        `--vault-auth-role=${ROLE}`,
        "--vault-secret-mount=secret",
        "--vault-secret-path=bench/hub",
        "--log-enabled=false",
      ],
    }),
  },
  {
    module: "github.com/trublast/vault-kubernetes-credential-provider",
    // Its README's config file (its `VAULT_ADDRESS` variable is read as `VAULT_VAULT_ADDRESS` at
    // this commit, viper prefixing the key). It takes the secret's logical path from a service
    // account annotation the kubelet forwards (optionalServiceAccountAnnotationKeys); the source
    // at this commit reads the key spelled `secres-store…`, not the README's `secrets-store…`.
    setup: ({ address, cwd }) => {
      const config = join(cwd, "config.yaml");
      writeFileSync(
        config,
        `vault_address: "${address}"\nkubernetes_auth_role: ${ROLE}\n` +
          `kubernetes_auth_mount_path: ${AUTH_MOUNT}\nlog_level: error\n`,
      );
      return {
        argv: ["--config", config],
        annotations: { "secres-store.deckhouse.io/registry-credentials": "secret/data/bench/hub" },
      };
    },
  },
];

/** The cached build of `module` (its peer.json and binary path), or undefined. */
function findBuild(dir, module) {
  if (!existsSync(dir)) return undefined;
  const builds = readdirSync(dir)
    .map((name) => join(dir, name, "peer.json"))
    .filter((file) => existsSync(file))
    .map((file) => ({ file, peer: JSON.parse(readFileSync(file, "utf8")) }))
    .filter(({ peer }) => peer.module === module);
  if (builds.length > 1) {
    const names = builds.map(({ file }) => file).join(", ");
    throw new Error(`bench: more than one cached build of ${module} (${names}); keep one`);
  }
  if (builds.length === 0) return undefined;
  const { file, peer } = builds[0];
  const binary = join(file, "..", peer.binary);
  return existsSync(binary) ? { ...peer, name: peer.binary, binary } : undefined;
}

/** Why an answer is not the bench's `hub` credentials for docker.io, or undefined if it is. */
function wrongAnswer(result) {
  if (result.error) return `did not run (${result.error.code ?? result.error.message})`;
  if (result.status !== 0) return `exited ${result.status ?? result.signal}`;
  let auth;
  try {
    auth = JSON.parse(result.stdout).auth?.["docker.io"];
  } catch {
    return result.stdout.trim() === "" ? "exited 0 with nothing on stdout" : "stdout is not JSON";
  }
  if (auth?.username !== "hub" || auth?.password !== "bench-secret") {
    return "answered without the bench's credentials for docker.io";
  }
  return undefined;
}

/**
 * Sets up what the cached Go peers need in the bench's Vault (a JWT auth mount at `kubernetes`
 * trusting `issuer`, role `bench` with the `bench` policy; the KV secret is the bench's own),
 * checks each peer's answer once and returns `{ scenarios, failedRows }`: a bench scenario per
 * peer that answered with the credentials, a table row per peer that did not. `api(method,
 * path, body)` calls Vault with the root token; `podRequestFile` is the bench's KEP-4412 request;
 * `env` is the environment every exec of the bench gets.
 */
export async function goPeerScenarios({ address, api, issuer, podRequestFile, work, env }) {
  const dir = goPeersDir();
  const found = [];
  for (const peer of PEERS) {
    const build = findBuild(dir, peer.module);
    if (build) found.push({ ...peer, build });
    else process.stderr.write(`bench: no build of ${peer.module} in ${dir}, row skipped\n`);
  }
  if (found.length === 0) return { scenarios: [], failedRows: [] };

  await api("POST", `sys/auth/${AUTH_MOUNT}`, { type: "jwt" });
  await api("POST", `auth/${AUTH_MOUNT}/config`, {
    jwt_validation_pubkeys: [issuer.publicKey.export({ type: "spki", format: "pem" })],
  });
  await api("POST", `auth/${AUTH_MOUNT}/role/${ROLE}`, {
    role_type: "jwt",
    token_policies: "bench",
    token_ttl: "1h",
    bound_audiences: ["vault.example/bench"],
    user_claim: "sub",
  });

  const podRequest = JSON.parse(readFileSync(podRequestFile, "utf8"));
  const scenarios = [];
  const failedRows = [];
  for (const { module, setup, build } of found) {
    const short = module.replace("github.com/", "");
    const name = `reference: Go plugin ${short} ${build.commit.slice(0, 12)}, Vault JWT login + KV v2 read`;
    const cwd = join(work, `go-${build.name}`);
    mkdirSync(cwd, { recursive: true });
    const { argv, annotations = {} } = setup({ address, cwd });
    // The same request, token and image; only the annotations the peer is configured to read.
    const request = join(cwd, "request.json");
    const body = { ...podRequest, serviceAccountAnnotations: annotations };
    writeFileSync(request, `${JSON.stringify(body)}\n`);
    const check = spawnSync(build.binary, argv, {
      cwd,
      input: readFileSync(request),
      env,
      encoding: "utf8",
      timeout: 30_000,
    });
    const wrong = wrongAnswer(check);
    if (wrong) {
      // The peer's own last line says why; the bench's secret is a fixed test value.
      const lines = check.stderr?.trim().split("\n") ?? [];
      const said = (lines.findLast((line) => /err/i.test(line)) ?? lines.at(-1) ?? "").slice(
        0,
        300,
      );
      process.stderr.write(`bench: ${name}: ${wrong}, not timed${said && `: ${said}`}\n`);
      failedRows.push(`| ${name}: failed, ${wrong}, not timed |`);
      continue;
    }
    scenarios.push({ name, argv: [build.binary, ...argv], request, cwd });
  }
  return { scenarios, failedRows };
}
