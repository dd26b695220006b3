import { type ChildProcess, execFileSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import type { NodePeers } from "../../scripts/peers/node.mjs";
import type { NodeCgroup } from "./cgroups.js";
import { imageTarball } from "./images.js";
import { bareNode, type InstalledNode, installPullkey } from "./install.js";
import {
  containerdConfig,
  containerdSocket,
  hostsToml,
  KUBELET_SYSCTLS,
  kubeletConfig,
  kubeletUnit,
  NODE_NAME,
  namespaceScript,
  OVERLAID,
  PAUSE_IMAGE,
  podManifest,
  upperDir,
} from "./node-files.js";
import { launch, logTail, stopGroup, waitFor } from "./processes.js";
import { freePort } from "./registry.js";

/**
 * A real node for one test file: containerd and the kubelet, each in its own process group, in
 * a private mount namespace and the world's cgroup (cgroups.ts), on loopback. The kubelet runs with the
 * command line the installer's drop-in gives it (install.ts). stop() kills everything by pid and
 * cgroup and removes every file; the host is never changed.
 */
export interface TestNode {
  dir: string;
  installed: InstalledNode;
  /** Drops a static pod manifest running `image`. */
  runPod(name: string, image: string): void;
  removePod(name: string): void;
  /** Resolves once the pod's container printed its line; rejects with the kubelet log's tail. */
  waitForContainerLine(name: string, text: string, timeoutMs?: number): Promise<void>;
  /** Resolves with the first kubelet log line (since `from`) that `match` accepts. */
  waitForKubeletLine(match: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  kubeletLog(): string;
  /** pullkey's own log (one line per exec), from the node's /var/log/pullkey.log. */
  pullkeyLog(): string;
  kubeletPid(): number | undefined;
  /** Restarts the kubelet, with `argv` (argv[0] first) instead of its current command line. */
  restartKubelet(argv?: string[]): Promise<void>;
  /** containerd's pid: /proc/<it>/root is the node's file system as the kubelet sees it. */
  namespacePid(): number | undefined;
  /** Imports an image tarball into the node's containerd (what a pre-pulled image is). */
  importImage(tarball: string): void;
  /** Where the node's /var/lib/pullkey (pullkey's stateDir) lands on the host. */
  stateDir: string;
  stop(): Promise<void>;
}

export interface NodeOptions {
  peers: NodePeers;
  dir: string;
  /** The world's cgroups: the runtime joins `runtime`, the kubelet's pods go under `pods`. */
  cgroup: NodeCgroup;
  /**
   * `pullkey install` arguments besides --root, --flavour and --executable; "none" leaves the
   * node without pullkey, its unit bound at /etc/systemd/system for an installer to find.
   */
  install: string[] | "none";
  /** Plain-HTTP loopback registries the runtime may pull from. */
  registries: string[];
  /** Mirrors: containerd's hosts.toml sends `docker.io` pulls to this loopback registry. */
  dockerHubMirror?: string;
  env?: Record<string, string>;
  /** Extra kubelet flags after the unit's own (the cluster tier's --kubeconfig, --node-ip). */
  kubeletFlags?: string[];
  /**
   * The CNI `loopback` plugin: with it the node gets a loopback-only network config, which is
   * all hostNetwork pods need and what makes a node joined to an API server Ready.
   */
  cniLoopback?: string;
  /** Files of the node tree by node path (the cluster tier's kubelet.conf), before install. */
  nodeFiles?: Record<string, string>;
}

export async function startNode(options: NodeOptions): Promise<TestNode> {
  const { peers, dir, cgroup } = options;
  const logs = join(dir, "logs");
  for (const d of ["logs", "manifests", "sysctl", "cni/bin", "cni/conf", "containerd/certs.d"]) {
    mkdirSync(join(dir, d), { recursive: true });
  }
  for (const o of OVERLAID) {
    for (const d of ["upper", "work"]) mkdirSync(join(dir, "ns", o.name, d), { recursive: true });
  }
  for (const [name, value] of Object.entries(KUBELET_SYSCTLS)) {
    writeFileSync(join(dir, "sysctl", name.replace(/\//g, ".")), `${value}\n`);
  }
  const healthzPort = await freePort();
  writeFileSync(
    join(dir, "kubelet-config.yaml"),
    kubeletConfig(dir, { cgroupRoot: cgroup.podsRoot, healthzPort }),
  );
  writeFileSync(join(dir, "containerd", "config.toml"), containerdConfig(dir));
  if (options.cniLoopback) {
    copyFileSync(options.cniLoopback, join(dir, "cni", "bin", "loopback"));
    writeFileSync(join(dir, "cni", "conf", "10-loopback.conflist"), LOOPBACK_CNI);
  }
  for (const host of options.registries) {
    mkdirSync(join(dir, "containerd", "certs.d", host), { recursive: true });
    writeFileSync(
      join(dir, "containerd", "certs.d", host, "hosts.toml"),
      hostsToml(`http://${host}`),
    );
  }
  if (options.dockerHubMirror) {
    mkdirSync(join(dir, "containerd", "certs.d", "docker.io"), { recursive: true });
    writeFileSync(
      join(dir, "containerd", "certs.d", "docker.io", "hosts.toml"),
      hostsToml("https://registry-1.docker.io", `http://${options.dockerHubMirror}`),
    );
  }
  for (const [path, text] of Object.entries(options.nodeFiles ?? {})) {
    mkdirSync(join(dir, "tree", dirname(path)), { recursive: true });
    writeFileSync(join(dir, "tree", path), text, { mode: 0o600 });
  }
  const unit = kubeletUnit(peers.kubelet, dir, options.kubeletFlags);
  const installed =
    options.install === "none"
      ? await bareNode(dir, unit)
      : await installPullkey(dir, unit, options.install);
  writeFileSync(
    join(dir, "ns.sh"),
    namespaceScript(dir, { binds: installed.binds, containerd: peers.containerd }),
  );

  const start = (name: string, argv: string[], env: Record<string, string>) =>
    launch(logs, name, argv, { env, procs: cgroup.procs("runtime") });
  // No /usr/sbin or /sbin on the kubelet's PATH: it would add its iptables canary chains to the
  // host's network namespace, which it shares.
  const kubeletEnv = { PATH: "/usr/local/bin:/usr/bin:/bin", ...options.env };
  let containerd: ChildProcess | undefined;
  let kubelet: ChildProcess | undefined;
  let kubeletArgs = installed.kubeletArgs;
  const ctr = [peers.ctr, "--address", containerdSocket(dir), "--namespace", "k8s.io"];
  const startKubelet = async () => {
    const nsenter = ["nsenter", `--target=${containerd?.pid}`, "--mount", "--"];
    kubelet = start("kubelet", [...nsenter, ...kubeletArgs], kubeletEnv);
    await waitFor(
      async () => {
        if (kubelet?.exitCode !== null) throw new Error(`the kubelet exited:\n${tail("kubelet")}`);
        const res = await fetch(`http://127.0.0.1:${healthzPort}/healthz`).catch(() => undefined);
        return res?.status === 200;
      },
      60_000,
      () => `the kubelet did not become healthy:\n${tail("kubelet")}`,
    );
  };
  const tail = (name: string) => logTail(logs, name);
  const kubeletLog = () => readFileSync(join(logs, "kubelet.log"), "utf8");

  const node: TestNode = {
    dir,
    installed,
    stateDir: upperDir(dir, "/var/lib/pullkey"),
    runPod(name, image) {
      // Written whole, then renamed: the kubelet watches the folder and skips dot files.
      const tmp = join(dir, "manifests", `.${name}.yaml`);
      writeFileSync(tmp, podManifest(name, image));
      renameSync(tmp, join(dir, "manifests", `${name}.yaml`));
    },
    removePod(name) {
      rmSync(join(dir, "manifests", `${name}.yaml`), { force: true });
    },
    async waitForContainerLine(name, text, timeoutMs = 60_000) {
      const pods = upperDir(dir, "/var/log/pods");
      await waitFor(
        async () =>
          existsSync(pods) &&
          readdirSync(pods)
            .filter((d) => d.startsWith(`default_${name}-${NODE_NAME}_`))
            .some((d) => {
              const log = join(pods, d, "hello", "0.log");
              return existsSync(log) && readFileSync(log, "utf8").includes(text);
            }),
        timeoutMs,
        () => `pod ${name} did not print "${text}":\n${tail("kubelet")}`,
      );
    },
    async waitForKubeletLine(match, timeoutMs = 60_000) {
      let found = "";
      await waitFor(
        async () => {
          found = kubeletLog().split("\n").find(match) ?? "";
          return found !== "";
        },
        timeoutMs,
        () => `no such kubelet log line:\n${tail("kubelet")}`,
      );
      return found;
    },
    kubeletLog,
    pullkeyLog: () => {
      const file = upperDir(dir, "/var/log/pullkey.log");
      return existsSync(file) ? readFileSync(file, "utf8") : "";
    },
    kubeletPid: () => kubelet?.pid,
    namespacePid: () => containerd?.pid,
    importImage(tarball) {
      execFileSync(ctr[0] ?? "", [...ctr.slice(1), "images", "import", tarball], { stdio: "pipe" });
    },
    async restartKubelet(argv) {
      await stopGroup(kubelet);
      if (argv) kubeletArgs = argv;
      await startKubelet();
    },
    async stop() {
      await stopGroup(kubelet);
      await stopGroup(containerd);
      // The shims and the containers: their mount namespaces go with the last process.
      await cgroup.kill(["runtime", "pods"]);
      rmSync(dir, { recursive: true, force: true });
    },
  };

  try {
    containerd = start(
      "containerd",
      ["unshare", "--mount", "--propagation", "private", "--", "sh", join(dir, "ns.sh")],
      { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" },
    );
    await waitFor(
      async () => {
        if (containerd?.exitCode !== null)
          throw new Error(`containerd exited:\n${tail("containerd")}`);
        return existsSync(containerdSocket(dir)) && run(ctr[0] ?? "", [...ctr.slice(1), "version"]);
      },
      30_000,
      () => `containerd did not answer:\n${tail("containerd")}`,
    );
    const pause = imageTarball(peers.imageProgram, dir, "pause", {
      name: PAUSE_IMAGE,
      mode: "pause",
    });
    execFileSync(ctr[0] ?? "", [...ctr.slice(1), "images", "import", pause], { stdio: "pipe" });
    await startKubelet();
    return node;
  } catch (error) {
    await node.stop().catch(() => undefined);
    throw error;
  }
}

function run(command: string, args: string[]): boolean {
  try {
    execFileSync(command, args, { stdio: "ignore", timeout: 5_000 });
    return true;
  } catch {
    return false;
  }
}

/** A network config with only the loopback plugin (cniVersion 1.0.0, as containerd 1.6 reads). */
const LOOPBACK_CNI = `${JSON.stringify({ cniVersion: "1.0.0", name: "lo-only", plugins: [{ type: "loopback" }] })}\n`;
