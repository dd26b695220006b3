import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { effectiveKubeletCommandLine } from "../../provider/node/command-line.js";
import { clusterTierUnsupported } from "../../scripts/peers/cluster.mjs";
import { ensureHelm } from "../../scripts/peers/helm.mjs";
import { buildInstallerImage } from "../../scripts/release/image.mjs";
import { PULLKEY } from "../node/install.js";
import { TEAM_USERS } from "./objects.js";
import { runPod, waitForPodReady, waitForPullFailure } from "./pods.js";
import { type ClusterWorld, useCluster } from "./setup.js";

// The DaemonSet install for real: the installer image (npm run release's, built here from the
// built executable) and the Helm chart, installed with Helm against the cluster's API server.
// The node starts without pullkey; the installer pod writes pullkey, its config (from the
// chart's Secret) and the kubelet's entry and drop-in onto the node, and the test restarts the
// kubelet with the command line the node model computes from the node's files (there is no
// systemd here). The test's node is a mount namespace, not a machine: the installer's entry is
// pointed at containerd's pid instead of PID 1 (its PULLKEY_HOST_PID, added to the rendered
// DaemonSet by a Helm post-renderer), so it writes into the node and never into the host.

const unsupported = await clusterTierUnsupported();
if (unsupported) process.stderr.write(`cluster tier skipped: ${unsupported}\n`);

const execFileAsync = promisify(execFile);
const CHART = new URL("../../deploy/helm/pullkey", import.meta.url).pathname;

describe.skipIf(unsupported !== undefined)("the Helm chart's DaemonSet on a real cluster", () => {
  const world = useCluster({ pullkey: "none" });

  it("installs pullkey on the node; after the kubelet restarts with the files' command line, a pod pulls through it", async () => {
    const w = world();
    await helm(w, "install", "install");
    const line = await nodeCommandLine(w);
    expect(line.config?.value).toBe("/etc/kubernetes/credential-provider-config.yaml");
    await w.node.restartKubelet(line.args.map((a) => a.value));

    const p = {
      namespace: "team-a",
      name: "after-daemonset",
      serviceAccount: "builder",
      image: w.pushImage("teams/hello:daemonset"),
    };
    await runPod(w.plane, p);
    await waitForPodReady(w.plane, p);
    const users = w.registry
      .requests()
      .filter((r) => r.path === "/v2/teams/hello/manifests/daemonset" && r.status === 200)
      .map((r) => r.user);
    expect(users).toEqual([TEAM_USERS["team-a"].user]);
    expect(w.node.pullkeyLog()).toMatch(/rule=teams/);
  });

  it("uninstalls with mode=uninstall: the node's files lose pullkey, and after a restart pulls go without credentials", async () => {
    const w = world();
    await helm(w, "upgrade", "uninstall");
    const line = await nodeCommandLine(w);
    expect(line.config).toBeUndefined();
    const root = `/proc/${w.node.namespacePid()}/root`;
    expect(existsSync(`${root}/usr/local/lib/kubelet/credential-providers/pullkey`)).toBe(false);
    await w.node.restartKubelet(line.args.map((a) => a.value));

    const p = {
      namespace: "team-a",
      name: "after-uninstall",
      serviceAccount: "builder",
      image: w.pushImage("teams/hello:uninstalled"),
    };
    await runPod(w.plane, p);
    await waitForPullFailure(w.plane, p);
  });
});

/** `helm install|upgrade` of the chart in `mode`, then waits for the DaemonSet's rollout. */
async function helm(w: ClusterWorld, verb: "install" | "upgrade", mode: "install" | "uninstall") {
  const dir = join(w.dir, "helm");
  mkdirSync(dir, { recursive: true });
  const image = await installerImage(w, dir);
  const [repository, tag] = image.tag.split(":");
  writeFileSync(
    join(dir, "values.yaml"),
    stringify({
      mode,
      image: { repository, tag, pullPolicy: "Never" },
      config: { pullkeyConfig: w.pullkeyConfig },
      install: { restart: false, extraArgs: ["--flavour=systemd", ...w.installArgs] },
    }),
  );
  const renderer = join(dir, "host-pid.cjs");
  writeFileSync(renderer, POST_RENDERER, { mode: 0o755 });
  const bin = await ensureHelm();
  await execFileAsync(
    bin,
    [
      verb,
      "pullkey",
      CHART,
      "--namespace",
      "kube-system",
      "--values",
      join(dir, "values.yaml"),
    ].concat(["--post-renderer", renderer, "--kubeconfig", w.plane.kubeconfig("admin")]),
    {
      timeout: 60_000,
      env: {
        PATH: process.env["PATH"] ?? "",
        // Helm's kube client caches discovery under $HOME/.kube: keep it in the test's folder.
        HOME: join(dir, "home"),
        HELM_CACHE_HOME: join(dir, "cache"),
        HELM_CONFIG_HOME: join(dir, "config"),
        HELM_DATA_HOME: join(dir, "data"),
        PULLKEY_TEST_HOST_PID: String(w.node.namespacePid()),
      },
    },
  );
  const rollout = await w.plane.kubectlStatus([
    "rollout",
    "status",
    "daemonset/pullkey",
    "-n",
    "kube-system",
    "--timeout=90s",
  ]);
  if (rollout.status !== 0) {
    const pods = await w.plane.kubectlStatus(["describe", "pods", "-n", "kube-system"]);
    throw new Error(`the DaemonSet did not roll out:\n${pods.output}\n${installerLogs(w)}`);
  }
}

/** What the installer containers printed, from the node's /var/log/pods. */
function installerLogs(w: ClusterWorld): string {
  const pods = `/proc/${w.node.namespacePid()}/root/var/log/pods`;
  if (!existsSync(pods)) return "";
  return readdirSync(pods)
    .filter((d) => d.startsWith("kube-system_pullkey-"))
    .flatMap((d) =>
      readdirSync(join(pods, d)).flatMap((c) =>
        readdirSync(join(pods, d, c)).map(
          (f) => `${d}/${c}/${f}:\n${readFileSync(join(pods, d, c, f), "utf8")}`,
        ),
      ),
    )
    .join("\n");
}

let imported: Promise<{ tag: string }> | undefined;

/** The installer image, built from the built executable and imported into the node once. */
function installerImage(w: ClusterWorld, dir: string): Promise<{ tag: string }> {
  imported ??= (async () => {
    const image = await buildInstallerImage({
      executables: { amd64: PULLKEY },
      outDir: join(dir, "image"),
      // Any fixed time: the image's bytes do not matter here, only what it runs.
      sourceDateEpoch: 1_700_000_000,
    });
    const tarball = image.tarballs.amd64;
    if (!tarball) throw new Error("no amd64 installer image");
    // The node has the image already, as a pre-pulled or mirrored image would be.
    w.node.importImage(tarball);
    return image;
  })();
  return imported;
}

/** The kubelet's command line as its unit and drop-ins on the node now give it. */
function nodeCommandLine(w: ClusterWorld) {
  return effectiveKubeletCommandLine(`/proc/${w.node.namespacePid()}/root`, { flavour: "systemd" });
}

/** Adds PULLKEY_HOST_PID (containerd's pid) beside PULLKEY_STAGE in the rendered DaemonSet. */
const POST_RENDERER = `#!/usr/bin/env node
const text = require("node:fs").readFileSync(0, "utf8");
const out = text.replace(/\\n( *)- name: PULLKEY_STAGE\\n( *)value: [^\\n]*/, (all, dash, value) =>
  \`\${all}\\n\${dash}- name: PULLKEY_HOST_PID\\n\${value}value: "\${process.env.PULLKEY_TEST_HOST_PID}"\`);
if (out === text) throw new Error("no PULLKEY_STAGE in the rendered chart");
process.stdout.write(out);
`;
