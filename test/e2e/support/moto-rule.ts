import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Moto, startMoto } from "../../../scripts/peers/moto.mjs";
import { createSecret, REGION } from "../../sources/aws-secrets-manager/moto-fixtures.js";
import { type Exec, execAsync } from "../artifacts.js";
import { FaultProxy } from "./tcp-proxy.js";

/**
 * Secrets Manager on moto behind a counting fault proxy, and configs that read from it: the
 * network source the node-local cache exists for. `proxy.count` is the number of GetSecretValue
 * requests that reached the backend. Execs are spawned asynchronously, because the proxy runs in
 * the test process.
 */
export interface MotoRig {
  moto: Moto;
  proxy: FaultProxy;
  dir: string;
  env(): Record<string, string>;
  /** A config in a folder of its own; the rules read the named secrets. */
  config(name: string, options?: RigConfig): { file: string; stateDir: string; folder: string };
  exec(path: string, file: string, image?: string): Promise<Exec>;
  stop(): Promise<void>;
}

export interface RigConfig {
  execTimeout?: string;
  cacheDuration?: string;
  stateDir?: string;
  extra?: string;
  /** Rules as [name, match pattern or preset, secret id]. */
  rules?: [string, string, string][];
}

export const request = (image = "docker.io/library/busybox") =>
  `{"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/v1","image":"${image}"}\n`;

/** Starts moto with `secrets` (id → password) and the proxy in front of it. */
export async function startMotoRig(
  prefix: string,
  secrets: Record<string, string>,
): Promise<MotoRig> {
  const dir = mkdtempSync(join(tmpdir(), `pullkey-${prefix}-`));
  const moto = await startMoto();
  for (const [id, password] of Object.entries(secrets)) {
    await createSecret(moto, id, JSON.stringify({ username: id.replace(/\W/g, "-"), password }));
  }
  const proxy = new FaultProxy(moto.port, /x-amz-target:\s*secretsmanager\.GetSecretValue/);
  await proxy.start();
  const env = (): Record<string, string> => ({
    AWS_ACCESS_KEY_ID: "AKIACACHETEST",
    AWS_SECRET_ACCESS_KEY: "cache-test-key",
    AWS_REGION: REGION,
    AWS_CONFIG_FILE: join(dir, "no-aws-config"),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, "no-aws-credentials"),
    AWS_EC2_METADATA_DISABLED: "true",
  });
  const first = Object.keys(secrets)[0] ?? "none";
  return {
    moto,
    proxy,
    dir,
    env,
    config(name, options = {}) {
      const folder = join(dir, name);
      mkdirSync(folder, { recursive: true });
      const stateDir = options.stateDir ?? join(folder, "state");
      const rules = (options.rules ?? [["hub", "preset: dockerhub", first]])
        .map(
          ([rule, match, secretId]) => `  - name: ${rule}
    ${match.startsWith("preset:") ? match : `match: ["${match}"]`}
    cacheDuration: ${options.cacheDuration ?? "10m"}
    source: {type: awsSecretsManager, secretId: ${secretId}, region: ${REGION}, endpoint: "${proxy.endpoint}"}
`,
        )
        .join("");
      const file = join(folder, "pullkey.yaml");
      writeFileSync(
        file,
        `apiVersion: pullkey/v1
kind: PullkeyConfig
stateDir: ${stateDir}
${options.execTimeout ? `execTimeout: ${options.execTimeout}\n` : ""}${options.extra ?? ""}rules:
${rules}`,
      );
      return { file, stateDir, folder };
    },
    exec: (path, file, image) =>
      execAsync(path, ["--config", file], request(image), { env: env() }),
    async stop() {
      await proxy.stop();
      await moto.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The password the kubelet would receive for docker.io, or a thrown failure with its stderr. */
export function password(result: Exec, registry = "docker.io"): string {
  if (result.status !== 0) throw new Error(`the exec failed: ${result.stderr}`);
  return JSON.parse(result.stdout).auth[registry].password as string;
}
