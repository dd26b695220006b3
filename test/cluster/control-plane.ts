import type { ChildProcess } from "node:child_process";
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { KubernetesBinaries } from "../../scripts/peers/kubernetes.mjs";
import { launch, logTail, stopGroup, waitFor } from "../node/processes.js";
import { freePort } from "../node/registry.js";
import { type ClusterPki, kubeconfig, SERVICE_CIDR } from "./pki.js";

/**
 * A single-node control plane on loopback: etcd, kube-apiserver, kube-controller-manager with
 * only the controllers this tier needs, and kube-scheduler, each in its own process group in
 * the test's cgroup. The API server authorises with Node and RBAC and admits with
 * NodeRestriction, as a real cluster does, so a kubelet may ask only for what it is granted.
 */
export interface ControlPlane {
  /** https://127.0.0.1:<port> */
  server: string;
  /** The service-account issuer the API server stamps into pod tokens. */
  issuer: string;
  /** A kubeconfig for `identity` (admin: system:masters). */
  kubeconfig(identity: keyof ClusterPki["clients"]): string;
  /** Runs kubectl as the admin; resolves with its stdout, rejects with its output on failure. */
  kubectl(args: string[], input?: string): Promise<string>;
  /** kubectl's exit status and output, for commands expected to fail. */
  kubectlStatus(
    args: string[],
    identity?: keyof ClusterPki["clients"],
  ): Promise<{ status: number | null; output: string }>;
  /** A peer's whole log. */
  logs(name: "etcd" | "kube-apiserver" | "kube-controller-manager" | "kube-scheduler"): string;
  stop(): Promise<void>;
}

export const ISSUER = "https://kubernetes.default.svc.cluster.local";

/** The controllers that run: service accounts, kube-root-ca.crt, DaemonSets, node taints. */
const CONTROLLERS = [
  "serviceaccount-controller",
  "root-ca-certificate-publisher-controller",
  "daemonset-controller",
  // Removes the not-ready taint the kubelet registers with, once the node is Ready.
  "node-lifecycle-controller",
];

export async function startControlPlane(options: {
  bins: KubernetesBinaries;
  dir: string;
  pki: ClusterPki;
  nodeIp: string;
  procs: readonly string[];
}): Promise<ControlPlane> {
  const { bins, dir, pki } = options;
  const logs = join(dir, "logs");
  mkdirSync(logs, { recursive: true });
  const [etcdPort, peerPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  const server = `https://127.0.0.1:${apiPort}`;
  const kubeconfigs = Object.fromEntries(
    Object.entries(pki.clients).map(([name, pair]) => {
      const file = join(dir, `${name}.kubeconfig`);
      writeFileSync(file, kubeconfig(server, pki.caCert, pair));
      return [name, file];
    }),
  ) as Record<keyof ClusterPki["clients"], string>;
  const env = { PATH: "/usr/bin:/bin" };
  const children: ChildProcess[] = [];
  const start = (name: string, argv: string[]) => {
    children.push(launch(logs, name, argv, { env, procs: options.procs }));
  };
  // kubectl's discovery cache stays in the test's folder, not in $HOME/.kube.
  const kubectlArgs = (identity: keyof ClusterPki["clients"]) => [
    "--kubeconfig",
    kubeconfigs[identity],
    `--cache-dir=${join(dir, "kube-cache")}`,
  ];
  const kubectlStatus: ControlPlane["kubectlStatus"] = (args, identity = "admin") =>
    run(bins.kubectl, [...kubectlArgs(identity), ...args]);

  const plane: ControlPlane = {
    server,
    issuer: ISSUER,
    kubeconfig: (identity) => kubeconfigs[identity],
    async kubectl(args, input) {
      const result = await run(bins.kubectl, [...kubectlArgs("admin"), ...args], input);
      if (result.status !== 0) {
        throw new Error(`kubectl ${args.join(" ")} exited ${result.status}:\n${result.output}`);
      }
      return result.stdout;
    },
    kubectlStatus,
    logs: (name) => readFileSync(join(logs, `${name}.log`), "utf8"),
    async stop() {
      for (const child of children.reverse()) await stopGroup(child);
    },
  };

  try {
    start("etcd", [
      bins.etcd,
      "--name=pullkey-test",
      `--data-dir=${join(dir, "etcd")}`,
      `--listen-client-urls=http://127.0.0.1:${etcdPort}`,
      `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
      `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-cluster=pullkey-test=http://127.0.0.1:${peerPort}`,
      // A throwaway cluster: no fsync per write, which a shared disk makes slow.
      "--unsafe-no-fsync",
      "--log-level=warn",
    ]);
    await waitFor(
      async () => {
        const res = await fetch(`http://127.0.0.1:${etcdPort}/health`).catch(() => undefined);
        return res?.status === 200;
      },
      30_000,
      () => `etcd did not become healthy:\n${logTail(logs, "etcd")}`,
    );
    start("kube-apiserver", [
      bins["kube-apiserver"],
      `--etcd-servers=http://127.0.0.1:${etcdPort}`,
      "--bind-address=127.0.0.1",
      `--secure-port=${apiPort}`,
      // The kubernetes service's endpoint would be this address; with the reconciler off the
      // API server writes none, so nothing in the cluster routes to the node's address.
      `--advertise-address=${options.nodeIp}`,
      "--endpoint-reconciler-type=none",
      `--service-cluster-ip-range=${SERVICE_CIDR}`,
      `--client-ca-file=${pki.caCert}`,
      `--tls-cert-file=${pki.apiserver.cert}`,
      `--tls-private-key-file=${pki.apiserver.key}`,
      `--service-account-issuer=${ISSUER}`,
      `--service-account-key-file=${pki.serviceAccountPublicKey}`,
      `--service-account-signing-key-file=${pki.serviceAccountKey}`,
      `--api-audiences=${ISSUER}`,
      "--authorization-mode=Node,RBAC",
      "--enable-admission-plugins=NodeRestriction",
      // The chart's installer container is privileged (it enters the node's mount namespace).
      "--allow-privileged=true",
      "--profiling=false",
    ]);
    await waitFor(
      async () => {
        if (children.some((c) => c.exitCode !== null)) {
          throw new Error(`the API server exited:\n${logTail(logs, "kube-apiserver")}`);
        }
        return (await kubectlStatus(["get", "--raw", "/readyz"])).status === 0;
      },
      90_000,
      () => `the API server did not become ready:\n${logTail(logs, "kube-apiserver")}`,
    );
    const common = ["--leader-elect=false", "--secure-port=0"];
    start("kube-controller-manager", [
      bins["kube-controller-manager"],
      `--kubeconfig=${kubeconfigs["controller-manager"]}`,
      ...common,
      `--controllers=${CONTROLLERS.join(",")}`,
      // Each controller acts as its own service account, as kubeadm sets it up.
      "--use-service-account-credentials=true",
      `--root-ca-file=${pki.caCert}`,
    ]);
    start("kube-scheduler", [
      bins["kube-scheduler"],
      `--kubeconfig=${kubeconfigs.scheduler}`,
      ...common,
    ]);
    return plane;
  } catch (error) {
    await plane.stop().catch(() => undefined);
    throw error;
  }
}

/** Runs a command with a 60 s limit; stdout apart, stdout and stderr together in `output`. */
function run(
  command: string,
  args: string[],
  input?: string,
): Promise<{ status: number | null; stdout: string; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"], timeout: 60_000 });
    const out: Buffer[] = [];
    const all: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => {
      out.push(chunk);
      all.push(chunk);
    });
    child.stderr.on("data", (chunk: Buffer) => all.push(chunk));
    child.on("error", reject);
    child.on("close", (status) =>
      resolve({
        status,
        stdout: Buffer.concat(out).toString("utf8"),
        output: Buffer.concat(all).toString("utf8"),
      }),
    );
    child.stdin.end(input ?? "");
  });
}
