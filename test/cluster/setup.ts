import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { type ClusterPeers, ensureClusterPeers, nodeIp } from "../../scripts/peers/cluster.mjs";
import { type Moto, startMoto } from "../../scripts/peers/moto.mjs";
import { pidAlive } from "../../scripts/peers/publish.mjs";
import { createNodeCgroup, sweepAbandonedCgroups } from "../node/cgroups.js";
import { imageTarball, push } from "../node/images.js";
import { startNode, type TestNode } from "../node/node.js";
import { NODE_NAME } from "../node/node-files.js";
import { tearDown } from "../node/processes.js";
import { type NodeRegistry, startNodeRegistry, USERS } from "../node/registry.js";
import {
  startTestVault,
  type TestVault,
  secrets as vaultSecrets,
} from "../sources/vault/fixture.js";
import { type ControlPlane, startControlPlane } from "./control-plane.js";
import {
  AUDIENCE_RBAC,
  AWS_ROLE_ANNOTATION,
  AWS_SECRET,
  clusterObjects,
  createAwsRoles,
  TEAM_A_ROTATED,
  TEAM_USERS,
  VAULT_ACCESS_RBAC,
} from "./objects.js";
import { embeddedKubeconfig, makeClusterPki } from "./pki.js";
import { AUDIENCE, JWT_ROLE, MOUNTS, trustCluster } from "./vault-jwt.js";

/**
 * One cluster per test file: etcd and the control plane (control-plane.ts), the node tier's
 * containerd and kubelet joined to it with a node certificate, the private registry, and Vault
 * (OpenBao, or HashiCorp Vault) trusting the cluster's service-account issuer. pullkey is
 * installed on the node by `pullkey install` in KEP-4412 mode: the kubelet hands it each pod's
 * own token, and it reads `secret/teams/<the pod's namespace>/registry` from Vault (one rule per
 * way Vault trusts the token), or a Secrets Manager secret in moto with the AWS role the service
 * account's annotation names.
 */
export interface ClusterWorld {
  dir: string;
  peers: ClusterPeers;
  /** pullkey's config (JSON text) and `pullkey install`'s KEP-4412 arguments on this node. */
  pullkeyConfig: string;
  installArgs: string[];
  moto: Moto;
  registry: NodeRegistry;
  vault: TestVault;
  plane: ControlPlane;
  node: TestNode;
  /** Pushes a fresh image named `<registry>/<repo>` and returns that name. */
  pushImage(repo: string): string;
  /** Every secret value in this world: none may appear in any log. */
  secrets(): string[];
}

const PREFIX = "pullkey-cluster-";

/** Where the kubelet's kubeconfig is on the node (kubeadm's path). */
export const KUBELET_CONF = "/etc/kubernetes/kubelet.conf";

/** Sets the cluster up in beforeAll and takes it down in afterAll, even after a failure. */
export function useCluster({
  pullkey = "installed",
}: {
  /** "none": the node starts without pullkey (the DaemonSet installs it). */
  pullkey?: "installed" | "none";
} = {}): () => ClusterWorld {
  let world: ClusterWorld | undefined;
  let dir = "";
  const cleanups: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    const peers = await ensureClusterPeers();
    await sweepAbandonedClusters();
    dir = mkdtempSync(join(tmpdir(), `${PREFIX}${process.pid}-`));
    const ip = nodeIp();
    if (!ip) throw new Error("no non-loopback IPv4 address");
    const cgroup = createNodeCgroup();
    cleanups.push(async () => {
      const left = await cgroup.remove();
      if (left.length > 0) throw new Error(`cgroups left behind: ${left.join(", ")}`);
    });
    const registry = await startNodeRegistry(
      peers.registry,
      join(dir, "registry"),
      [USERS.pusher, ...Object.values(TEAM_USERS)],
      cgroup.procs("registry"),
    );
    cleanups.push(() => registry.stop());

    const pki = makeClusterPki(join(dir, "pki"), NODE_NAME, ip);
    const plane = await startControlPlane({
      bins: peers.kubernetes,
      dir: join(dir, "control-plane"),
      pki,
      nodeIp: ip,
      procs: cgroup.procs("control-plane"),
    });
    cleanups.push(() => plane.stop());
    cleanups.push(() => cgroup.kill(["control-plane"]));

    await plane.kubectl(
      ["apply", "-f", "-"],
      [clusterObjects(), AUDIENCE_RBAC, VAULT_ACCESS_RBAC].join("---\n"),
    );
    const reviewerToken = (
      await plane.kubectl([
        "create",
        "token",
        "-n",
        "kube-system",
        "vault-reviewer",
        "--duration=2h",
      ])
    ).trim();
    const vault = await startTestVault();
    cleanups.push(() => vault.stop());
    const moto = await startMoto();
    cleanups.push(() => moto.stop());
    const awsRoles = await createAwsRoles(moto);
    await trustCluster(vault, {
      serviceAccountPublicKey: pki.serviceAccountPublicKey,
      caCert: pki.caCert,
      server: plane.server,
      reviewerToken,
    });
    for (const [team, user] of Object.entries(TEAM_USERS)) {
      await vault.writeSecret(`secret/teams/${team}/registry`, {
        username: user.user,
        password: user.password,
      });
    }

    const host = registry.host;
    const teamRule = (name: string, match: string, method: string, mount: string) => ({
      name,
      match: [match],
      // Short, so a rotation reaches the next pod soon: the kubelet caches per service account.
      cacheDuration: "2s",
      source: {
        type: "vault",
        address: vault.address,
        auth: { method, mount, role: JWT_ROLE, serviceAccount: true },
        secret: { engine: "kv-v2", mount: "secret", path: "teams/{{namespace}}/registry" },
      },
    });
    const config = {
      apiVersion: "pullkey/v1",
      kind: "PullkeyConfig",
      log: { file: "/var/log/pullkey.log" },
      // One rule per way Vault trusts the pod's token, each for its own repository prefix.
      rules: [
        teamRule("teams", `${host}/teams`, "jwt", MOUNTS.pubkeys),
        teamRule("jwks", `${host}/jwks`, "jwt", MOUNTS.jwks),
        teamRule("tokenreview", `${host}/tokenreview`, "kubernetes", MOUNTS.tokenReview),
        {
          // IRSA-style: the role named by the service account's annotation, if allowed.
          name: "aws",
          match: [`${host}/aws`],
          source: {
            type: "awsSecretsManager",
            secretId: AWS_SECRET,
            region: "us-east-1",
            endpoint: moto.endpoint,
            stsEndpoint: moto.endpoint,
            serviceAccount: {
              roleArnAnnotation: AWS_ROLE_ANNOTATION,
              allowedRoleArns: [awsRoles.allowed],
            },
          },
        },
      ],
    };
    mkdirSync(join(dir, "inputs"));
    const configFile = join(dir, "inputs", "config.json");
    const pullkeyConfig = JSON.stringify(config, null, 2);
    writeFileSync(configFile, pullkeyConfig, { mode: 0o600 });
    const installArgs = [
      `--token-audience=${AUDIENCE}`,
      "--token-cache-type=ServiceAccount",
      `--optional-annotation=${AWS_ROLE_ANNOTATION}`,
      "--kubelet-version=1.37",
    ];
    const node = await startNode({
      peers,
      dir: join(dir, "node"),
      cgroup,
      install: pullkey === "none" ? "none" : ["--pullkey-config", configFile, ...installArgs],
      registries: [host],
      // The kubelet's API credentials where kubeadm puts them, in the node tree (bound at
      // /etc/kubernetes in the node's namespace), so doctor --root finds them as on a node.
      nodeFiles: { [KUBELET_CONF]: embeddedKubeconfig(plane.server, pki.caCert, pki.clients.node) },
      kubeletFlags: [`--kubeconfig=${KUBELET_CONF}`, `--node-ip=${ip}`],
      cniLoopback: peers.cniLoopback,
    });
    cleanups.push(() => node.stop());
    await waitForNodeReady(plane);

    let pushed = 0;
    world = {
      dir,
      peers,
      pullkeyConfig,
      installArgs,
      moto,
      registry,
      vault,
      plane,
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
      secrets: () => [
        reviewerToken,
        USERS.pusher.password,
        ...Object.values(TEAM_USERS).map((u) => u.password),
        TEAM_A_ROTATED.password,
        ...vaultSecrets,
      ],
    };
  }, 60 * 60_000);
  afterAll(() => tearDown(cleanups, dir), 120_000);
  return () => {
    if (!world) throw new Error("the cluster tier's world did not start");
    return world;
  };
}

/** Waits for the node to register and turn Ready (its loopback CNI config loaded). */
async function waitForNodeReady(plane: ControlPlane): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    const res = await plane.kubectlStatus(["get", "node", NODE_NAME]);
    if (res.status === 0) {
      await plane.kubectl(["wait", "--for=condition=Ready", `node/${NODE_NAME}`, "--timeout=90s"]);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`the node never registered:\n${plane.logs("kube-apiserver")}`);
}

/** Removes what killed test processes left: their cgroups (and every process in them), folders. */
async function sweepAbandonedClusters(): Promise<void> {
  await sweepAbandonedCgroups();
  for (const name of readdirSync(tmpdir())) {
    const pid = Number(new RegExp(`^${PREFIX}(\\d+)-`).exec(name)?.[1]);
    if (pid > 0 && !pidAlive(pid)) rmSync(join(tmpdir(), name), { recursive: true, force: true });
  }
}
