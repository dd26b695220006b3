import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { type Moto, startMoto } from "../../scripts/peers/moto.mjs";
import { ensureNodePeers, type NodePeers } from "../../scripts/peers/node.mjs";
import { createSecret } from "../sources/aws-secrets-manager/moto-fixtures.js";
import {
  startTestVault,
  type TestVault,
  secrets as vaultSecrets,
} from "../sources/vault/fixture.js";
import { createNodeCgroup, sweepAbandonedCgroups } from "./cgroups.js";
import { imageTarball, push } from "./images.js";
import { startNode, type TestNode } from "./node.js";
import { tearDown } from "./processes.js";
import { type NodeRegistry, startNodeRegistry, USERS, type User } from "./registry.js";

/**
 * One world per test file: the private registry, OpenBao (or Vault) and moto holding the
 * node's pull credential, and a node whose pullkey config has one rule per source, each for
 * its own repository prefix on the registry, plus Docker Hub (through the mirror).
 */
export interface World {
  peers: NodePeers;
  dir: string;
  registry: NodeRegistry;
  vault: TestVault;
  moto: Moto;
  node: TestNode;
  /** Pushes a fresh image named `<registry>/<repo>` (and, for the mirror, `repo` alone). */
  pushImage(repo: string): string;
  /** Writes the node's pullkey config again, as an operator would edit it. */
  editPullkeyConfig(edit: (text: string) => string): void;
  /** Every secret value in this world: none may appear in any log. */
  secrets(): string[];
}

/** The KV v2 paths and the AWS secret the node reads. */
export const VAULT_PATH = "registries/node-tier";
export const FRESH_PATH = "registries/node-tier-fresh";
const AWS_SECRET = "node-tier/registry";

/** Sets up the world in beforeAll and takes it down in afterAll, even after a failure. */
export function useWorld(): () => World {
  let world: World | undefined;
  let dir = "";
  const cleanups: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    const peers = await ensureNodePeers();
    await sweepAbandonedWorlds();
    dir = mkdtempSync(join(tmpdir(), `pullkey-node-${process.pid}-`));
    const cgroup = createNodeCgroup();
    cleanups.push(async () => {
      const left = await cgroup.remove();
      if (left.length > 0) throw new Error(`cgroups left behind: ${left.join(", ")}`);
    });
    const registry = await startNodeRegistry(
      peers.registry,
      join(dir, "registry"),
      [USERS.pusher, USERS.puller],
      cgroup.procs("registry"),
    );
    cleanups.push(() => registry.stop());
    const vault = await startTestVault();
    cleanups.push(() => vault.stop());
    const moto = await startMoto();
    cleanups.push(() => moto.stop());
    const credential = (u: User) => ({ username: u.user, password: u.password });
    await vault.writeSecret(`secret/${VAULT_PATH}`, credential(USERS.puller));
    await vault.writeSecret(`secret/${FRESH_PATH}`, credential(USERS.puller));
    await createSecret(moto, AWS_SECRET, JSON.stringify(credential(USERS.puller)));

    const inputs = join(dir, "inputs");
    const input = (name: string, text: string) => {
      writeFileSync(join(inputs, name), text, { mode: 0o600 });
      return join(inputs, name);
    };
    mkdirSync(inputs);
    const host = registry.host;
    const dockerConfig = (u: User) => JSON.stringify({ auths: { [host]: credential(u) } });
    const files = [
      input("docker-config.json", dockerConfig(USERS.puller)),
      input(
        "wrong-docker-config.json",
        dockerConfig({ ...USERS.puller, password: "not-the-password" }),
      ),
      input("vault-role-id", `${vault.appRole.roleId}\n`),
      input("vault-secret-id", `${vault.appRole.secretId}\n`),
      input(
        "aws-credentials",
        "[default]\naws_access_key_id = AKIANODETIER\naws_secret_access_key = node-tier-aws-secret-key\n",
      ),
    ];
    const appRole = {
      method: "appRole",
      roleIdFile: "vault-role-id",
      secretIdFile: "vault-secret-id",
    };
    const vaultSource = (path: string) => ({
      type: "vault",
      address: vault.address,
      auth: appRole,
      secret: { engine: "kv-v2", mount: "secret", path },
    });
    const config = {
      apiVersion: "pullkey/v1",
      kind: "PullkeyConfig",
      // One logfmt line per exec, in the node's /var/log: which rule, cache hit or fetch.
      log: { file: "/var/log/pullkey.log" },
      rules: [
        {
          name: "docker-config",
          match: [`${host}/dockercfg`],
          source: { type: "dockerConfig", path: "docker-config.json" },
        },
        {
          name: "wrong-password",
          match: [`${host}/wrong`],
          source: { type: "dockerConfig", path: "wrong-docker-config.json" },
        },
        {
          name: "vault",
          match: [`${host}/vault`],
          cacheDuration: "2s",
          source: vaultSource(VAULT_PATH),
        },
        {
          name: "vault-fresh",
          match: [`${host}/fresh`],
          cacheDuration: "10m",
          source: vaultSource(FRESH_PATH),
        },
        {
          name: "aws",
          match: [`${host}/aws`],
          source: {
            type: "awsSecretsManager",
            secretId: AWS_SECRET,
            region: "us-east-1",
            endpoint: moto.endpoint,
          },
        },
        {
          name: "dockerhub-mirror",
          preset: "dockerhub",
          source: { type: "dockerConfig", path: "docker-config.json", registry: host },
        },
      ],
    };
    const configFile = input("config.json", JSON.stringify(config, null, 2));
    const node = await startNode({
      peers,
      dir: join(dir, "node"),
      cgroup,
      install: ["--pullkey-config", configFile, ...files.flatMap((f) => ["--secret-file", f])],
      registries: [host],
      dockerHubMirror: host,
      // The node's AWS credentials reach pullkey through the kubelet's environment, as a
      // unit's Environment= would pass them (the installer keeps them out of its config).
      env: {
        AWS_SHARED_CREDENTIALS_FILE: "/etc/pullkey/aws-credentials",
        AWS_CONFIG_FILE: "/etc/pullkey/no-aws-config",
        AWS_EC2_METADATA_DISABLED: "true",
      },
    });
    cleanups.push(() => node.stop());
    let pushed = 0;
    world = {
      peers,
      dir,
      registry,
      vault,
      moto,
      node,
      pushImage(repo) {
        const ref = `${host}/${repo}`;
        const tarball = imageTarball(peers.imageProgram, dir, `image-${++pushed}`, {
          name: ref,
          mode: "hello",
        });
        push(peers.crane, dir, tarball, ref, USERS.pusher);
        return ref;
      },
      editPullkeyConfig(edit) {
        const file = join(node.installed.tree, node.installed.pullkeyConfig);
        writeFileSync(file, edit(readFileSync(file, "utf8")), { mode: 0o600 });
      },
      secrets: () => [
        ...Object.values(USERS).map((u) => u.password),
        "not-the-password",
        "node-tier-aws-secret-key",
        ...vaultSecrets,
      ],
    };
  }, 60 * 60_000);
  afterAll(() => tearDown(cleanups, dir), 60_000);
  return () => {
    if (!world) throw new Error("the node tier's world did not start");
    return world;
  };
}

/**
 * Kills and removes what test processes that were killed (a timeout, ^C) left behind: their
 * cgroups with every process in them, then their folders.
 */
async function sweepAbandonedWorlds(): Promise<void> {
  await sweepAbandonedCgroups();
  for (const name of readdirSync(tmpdir())) {
    const pid = Number(/^pullkey-node-(\d+)-/.exec(name)?.[1]);
    if (pid > 0 && !alive(pid)) rmSync(join(tmpdir(), name), { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
