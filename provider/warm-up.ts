import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { run } from "./cli.js";
import { readFileBounded } from "./files.js";
import { stat } from "./fs-async.js";

/**
 * Runs the plugin's own paths at build time, through the single executable's core (sea/warm.ts),
 * so that the functions an exec runs are compiled when each module's code cache is written: a
 * first exec (YAML compiled and saved under stateDir), a cache hit on that compiled config, a
 * Vault rule, which runs node-vault and axios up to a refused connection on the discard port,
 * and the AWS source, whose SDK client is given an HTTP handler that answers in memory. All on
 * `dir`, a scratch folder the caller removes.
 *
 * A code cache holds code, never the values the warm-up made, so nothing of the build machine
 * reaches an exec. What must not vary is which functions run, or two builds would write
 * different caches (scripts/release checks the bytes): the runs see a fixed clock, retries follow
 * at once, no run waits on a deadline, and the SDKs, which read process.env themselves, see only
 * fake keys and AWS file paths that cannot exist, never the build machine's ~/.aws.
 */
export async function warmUp(dir: string): Promise<void> {
  const env = {
    AWS_ACCESS_KEY_ID: "AKIAWARMUP",
    AWS_SECRET_ACCESS_KEY: "warm-up",
    AWS_CONFIG_FILE: "/dev/null/aws-config",
    AWS_SHARED_CREDENTIALS_FILE: "/dev/null/aws-credentials",
    AWS_EC2_METADATA_DISABLED: "true",
  };
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    const write = (name: string, text: string) => {
      writeFileSync(join(dir, name), text, { mode: 0o600 });
      return join(dir, name);
    };
    write("token", "warm-up\n");
    const config = (name: string, source: Record<string, unknown>) =>
      write(
        `${name}.yaml`,
        [
          "apiVersion: pullkey/v1",
          "kind: PullkeyConfig",
          `stateDir: ${join(dir, `state-${name}`)}`,
          // Never reached: a run that ends at a deadline does as much work as the machine's
          // load allows, and which functions it compiled would vary with it.
          "execTimeout: 30s",
          "rules:",
          "  - name: hub",
          "    preset: dockerhub",
          `    source: ${JSON.stringify(source)}`,
          "",
        ].join("\n"),
      );
    // Not with metrics or the exec log: their recording runs under a cap of real time (250 ms at
    // least), which a loaded or emulated build machine can reach, and the functions its deadline
    // runs would then be in one build's caches and not another's. Their module's cache holds its
    // top level.
    const local = config("static", { type: "static", username: "robot", passwordFile: "token" });
    for (let i = 0; i < 2; i++) await exec(["--config", local], env, true);
    write("role-id", "warm-up\n");
    write("secret-id", "warm-up\n");
    // Port 9 (discard) on loopback: nothing listens, so every try is refused at once.
    const vault = config("vault", {
      type: "vault",
      address: "http://127.0.0.1:9",
      auth: { method: "appRole", roleIdFile: "role-id", secretIdFile: "secret-id" },
      secret: { engine: "kv-v2", mount: "secret", path: "warm-up" },
    });
    await exec(["--config", vault], env, false);
    await awsRead(dir, env);
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** A Secrets Manager read through the SDK, answered by an in-memory handler (no socket). */
async function awsRead(dir: string, env: Record<string, string>): Promise<void> {
  const body = JSON.stringify({
    ARN: "arn:aws:secretsmanager:us-east-1:123456789012:secret:warm-up",
    Name: "warm-up",
    VersionId: "warm-up",
    SecretString: JSON.stringify({ username: "robot", password: "warm-up" }),
    VersionStages: ["AWSCURRENT"],
    CreatedDate: 1_700_000_000,
  });
  // The same lazily loaded module the registry loads for an AWS rule. node:stream is loaded here,
  // not at import: this module is in the single executable's core, which every exec loads.
  const { awsSecretsManagerSource } = await import("./sources/aws-secrets-manager/source.js");
  const { Readable } = process.getBuiltinModule("node:stream");
  const source = awsSecretsManagerSource(
    { type: "awsSecretsManager", secretId: "warm-up", region: "us-east-1" },
    {
      baseDir: dir,
      readFile: (path) => readFileBounded(path),
      env,
      now: warmUpClock,
      stateDir: dir,
    },
    {
      requestHandler: {
        handle: async () => ({
          response: {
            statusCode: 200,
            headers: { "content-type": "application/x-amz-json-1.1" },
            body: Readable.from([Buffer.from(body)]),
          },
        }),
      },
    },
  );
  const signal = new AbortController().signal;
  const got = await source.fetch({
    image: "docker.io/library/busybox",
    registry: "docker.io",
    signal,
  });
  if (got.password !== "warm-up") throw new Error("warm-up AWS read answered wrongly");
}

/** The warm-up's clock: the same instant in every build, so no time it records differs. */
const warmUpClock = () => new Date(Date.UTC(2025, 0, 1));

const REQUEST = `{"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/v1","image":"docker.io/library/busybox"}\n`;

/** One plugin run on in-memory stdio; fails the build unless it ends as `answers` says. */
async function exec(argv: string[], env: Record<string, string>, answers: boolean) {
  let stderr = "";
  const status = await run({
    argv,
    env,
    cwd: "/",
    readStdin: () => Buffer.from(REQUEST),
    stdinIsTTY: false,
    stdout: () => {},
    stderr: (text) => {
      stderr += text;
    },
    readFile: (path, limit) => readFileBounded(path, limit),
    fileMode: async (path) => (await stat(path)).mode,
    now: warmUpClock,
    // Retries (the Vault run's) follow at once: how often a run retries within its deadline
    // would otherwise depend on the build machine's load.
    sleep: async () => {},
    uid: process.getuid?.() ?? 0,
  });
  if ((status === 0) !== answers) {
    throw new Error(`warm-up run ${argv.join(" ")} exited ${status}: ${stderr.trim()}`);
  }
}
