import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Readable } from "node:stream";
import { setTimeout as delay } from "node:timers/promises";
import { externalDataInterceptor } from "@smithy/core/config";
import { run } from "./cli.js";
import { readFileBounded } from "./files.js";
import { awsSecretsManagerSource } from "./sources/aws-secrets-manager/source.js";
import { forgetStateDirVerdicts } from "./state/folder.js";

/**
 * Runs the plugin's own paths at build time, inside the snapshot builder, so the functions an
 * exec runs are compiled when the snapshot is saved (V8 keeps their bytecode): a first exec (YAML
 * compiled and saved under stateDir), a cache hit on that compiled config, and a Vault rule,
 * which runs node-vault and axios up to the first use of node:http (which only loads at run
 * time, so that run fails), and the AWS source, whose SDK client is given an HTTP handler that
 * answers in memory. All on a scratch folder removed afterwards. Nothing of it may survive
 * into an exec: no handle, timer or file stays open, module state that remembers a folder is
 * forgotten, and the SDKs, which read process.env themselves, see only fake keys and AWS file
 * paths that cannot exist, never the build machine's ~/.aws.
 *
 * Two builds must save the same heap (scripts/release checks the bytes), so nothing the warm-up
 * leaves may depend on where, when or how fast it ran: its folder sits in the blob maker's own
 * folder, whose path follows from the build's inputs (scripts/sea/fixed-folder.mjs); its runs
 * see a fixed clock; no run waits on a deadline; and no Buffer it makes lands in Node's shared
 * pool, which the snapshot would save with the lock records, nonces and times in it.
 */
export async function warmUp(): Promise<void> {
  // The blob maker runs as <fixed folder>/pullkey, which that build alone holds.
  const dir = join(dirname(process.execPath), "warm-up");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { mode: 0o700 });
  // Each Buffer gets its own memory, freed with it, instead of a slice of the 8 KiB pool, which
  // keeps the bytes of every small Buffer made since it was started (file texts, lock records).
  const poolSize = Buffer.poolSize;
  Buffer.poolSize = 0;
  const env = {
    AWS_ACCESS_KEY_ID: "AKIAWARMUP",
    AWS_SECRET_ACCESS_KEY: "warm-up",
    // Paths that can never exist, and are the same in every build; the SDK's reads of them are
    // answered from memory below, so nothing of the build machine's files is read or kept.
    AWS_CONFIG_FILE: "/dev/null/aws-config",
    AWS_SHARED_CREDENTIALS_FILE: "/dev/null/aws-credentials",
    AWS_EC2_METADATA_DISABLED: "true",
  };
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  // The SDK keeps the promise of every file read it made, for the life of the process; a failed
  // read's Error holds the call stack it failed in, and with it the warm-up's whole client
  // (handler, credentials, signing date), which the snapshot would then save. Its reads of the
  // two files are answered from memory instead, and forgotten afterwards.
  const sdkFileRecord = externalDataInterceptor.getFileRecord();
  for (const file of [env.AWS_CONFIG_FILE, env.AWS_SHARED_CREDENTIALS_FILE]) {
    externalDataInterceptor.interceptFile(file, "");
  }
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
          // load allows, and V8 saves what ran (feedback, compiled code) in the snapshot.
          "execTimeout: 30s",
          "rules:",
          "  - name: hub",
          "    preset: dockerhub",
          `    source: ${JSON.stringify(source)}`,
          "",
        ].join("\n"),
      );
    const local = config("static", { type: "static", username: "robot", passwordFile: "token" });
    for (let i = 0; i < 2; i++) await exec(["--config", local], env, true);
    write("role-id", "warm-up\n");
    write("secret-id", "warm-up\n");
    // Port 9 (discard) is never dialled: node:http is not loadable while the snapshot is built.
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
    rmSync(dir, { recursive: true, force: true });
    forgetStateDirVerdicts();
    delete sdkFileRecord[env.AWS_CONFIG_FILE];
    delete sdkFileRecord[env.AWS_SHARED_CREDENTIALS_FILE];
    Buffer.poolSize = poolSize;
  }
  // Let the event loop go round once more (a timer, not setImmediate) before the heap is saved:
  // what the runs leave to the loop's later phases (finished fs requests, closing handles) ran
  // in a varying order otherwise, and about one build in two saved a heap 8 bytes larger and a
  // function's interrupt budget changed. With even a 0 ms timer, 5 of 5 builds were identical;
  // 100 ms leaves room for a slow (emulated arm64) build.
  await delay(SETTLE_MS);
}

const SETTLE_MS = 100;

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
