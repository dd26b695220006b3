import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { effectiveKubeletCommandLine } from "../../provider/node/command-line.js";
import { doctor } from "../doctor/harness.js";
import { expectNoLeaks } from "../e2e/leaks.js";
import {
  copyRoot,
  DOCKER_CONFIG,
  DOCKER_SECRET,
  FAKE_EXECUTABLE,
  files,
  golden,
  pullkey,
  removeRoots,
  snapshot,
} from "./harness.js";
import {
  addProvider,
  fixture,
  providers,
  read,
  regenerate,
  rewriteEnv,
  write,
} from "./operator-edits.js";

/**
 * Every flavour's tree, stock and non-stock, as the distributions put it on disk: install puts
 * the flags where the kubelet's effective command line takes them, doctor agrees, and an
 * operator's edit made between two installs survives the uninstall.
 */

const INSTALL = ["--executable", FAKE_EXECUTABLE, "--docker-config", DOCKER_CONFIG];
const CPC = "/etc/kubernetes/credential-provider-config.yaml";
const BIN = "/usr/local/lib/kubelet/credential-providers";
const RANCHER = "/var/lib/rancher/credentialprovider";
const outputs: { status: number | null; stdout: string; stderr: string }[] = [];
afterAll(() => {
  expectNoLeaks(outputs, [DOCKER_SECRET, "K10-agent-token-not-real"]);
  removeRoots();
});

interface Tree {
  name: string;
  root: string;
  /** Where the flags must come from after the install (file of the word that sets them). */
  config: string;
  binDir: string;
  flagFile: string;
  /** The file pullkey's entry lands in. */
  entryFile: string;
  /** What the operator (or their tooling) changes between two installs. */
  edit(root: string): void;
  /** That change, still there after the uninstall. */
  kept(root: string): void;
}

const TREES: Tree[] = [
  {
    name: "kubeadm (deb)",
    root: "kubeadm",
    config: CPC,
    binDir: BIN,
    flagFile: "/etc/default/kubelet",
    entryFile: CPC,
    ...rewriteEnv("/etc/default/kubelet", 'KUBELET_EXTRA_ARGS="--max-pods=250"\n'),
  },
  {
    name: "kubeadm (rpm) with a stray /etc/default/kubelet",
    root: "kubeadm-rpm",
    config: CPC,
    binDir: BIN,
    flagFile: "/etc/sysconfig/kubelet",
    entryFile: CPC,
    ...rewriteEnv("/etc/sysconfig/kubelet", "KUBELET_EXTRA_ARGS=--max-pods=250\n"),
  },
  {
    name: "kubeadm with a 99- drop-in resetting ExecStart that still expands KUBELET_EXTRA_ARGS",
    root: "kubeadm-99-reset",
    config: CPC,
    binDir: BIN,
    flagFile: "/etc/default/kubelet",
    entryFile: CPC,
    ...rewriteEnv("/etc/default/kubelet", 'KUBELET_EXTRA_ARGS="--max-pods=250"\n'),
  },
  {
    name: "kubeadm with another vendor's flags in kubeadm-flags.env",
    root: "kubeadm-flags-already-set",
    config: "/etc/kubernetes/image-credential-provider.yaml",
    binDir: "/opt/credential-providers",
    flagFile: "/var/lib/kubelet/kubeadm-flags.env",
    entryFile: "/etc/kubernetes/image-credential-provider.yaml",
    ...regenerate(
      "/etc/kubernetes/image-credential-provider.yaml",
      fixture("kubeadm-flags-already-set", "etc/kubernetes/image-credential-provider.yaml"),
      'defaultCacheDuration: "1m"',
      'defaultCacheDuration: "5m"',
    ),
  },
  {
    name: "kubespray (flags in $KUBELET_ARGS from an EnvironmentFile)",
    root: "kubespray",
    config: CPC,
    binDir: BIN,
    flagFile: "/etc/kubernetes/kubelet.env",
    entryFile: CPC,
    ...rewriteEnv(
      "/etc/kubernetes/kubelet.env",
      fixture("kubespray", "etc/kubernetes/kubelet.env").replace("--v=2", "--v=4"),
    ),
  },
  {
    name: "kubespray with another vendor's provider wired in",
    root: "kubespray-vendor",
    config: "/etc/kubernetes/credential-providers.yaml",
    binDir: "/usr/local/bin/credential-providers",
    flagFile: "/etc/kubernetes/kubelet.env",
    entryFile: "/etc/kubernetes/credential-providers.yaml",
    ...regenerate(
      "/etc/kubernetes/credential-providers.yaml",
      fixture("kubespray-vendor", "etc/kubernetes/credential-providers.yaml"),
      '"12h"',
      '"6h"',
    ),
  },
  {
    name: "generic systemd (a drop-in)",
    root: "systemd",
    config: CPC,
    binDir: BIN,
    flagFile: "/etc/systemd/system/kubelet.service.d/90-pullkey-credential-provider.conf",
    entryFile: CPC,
    edit: (root) => {
      const unit = "/etc/systemd/system/kubelet.service";
      write(root, unit, read(root, unit).replace("kubelet.conf", "kubelet.conf --max-pods=250"));
    },
    kept: (root) =>
      expect(read(root, "/etc/systemd/system/kubelet.service")).toContain("--max-pods=250"),
  },
  {
    name: "EKS AL2023 (nodeadm)",
    root: "eks",
    config: "/etc/eks/image-credential-provider/config.json",
    binDir: "/etc/eks/image-credential-provider",
    flagFile: "/etc/eks/kubelet/environment",
    entryFile: "/etc/eks/image-credential-provider/config.json",
    ...regenerate(
      "/etc/eks/image-credential-provider/config.json",
      fixture("eks", "etc/eks/image-credential-provider/config.json"),
      '"12h"',
      '"6h"',
    ),
  },
  {
    name: "k3s server (defaults)",
    root: "k3s",
    config: `${RANCHER}/config.yaml`,
    binDir: `${RANCHER}/bin`,
    flagFile: "k3s's default",
    entryFile: `${RANCHER}/config.yaml`,
    ...addProvider(`${RANCHER}/config.yaml`),
  },
  {
    name: "k3s with its paths in config.yaml.d",
    root: "k3s-config-d",
    config: "/etc/rancher/k3s/credential-providers.yaml",
    binDir: "/opt/k3s/credential-providers",
    flagFile: "/etc/rancher/k3s/config.yaml.d/50-credentials.yaml",
    entryFile: "/etc/rancher/k3s/credential-providers.yaml",
    ...addProvider("/etc/rancher/k3s/credential-providers.yaml"),
  },
  {
    name: "k3s agent only (k3s-agent.service, no /etc/rancher/k3s)",
    root: "k3s-agent",
    config: `${RANCHER}/config.yaml`,
    binDir: `${RANCHER}/bin`,
    flagFile: "k3s's default",
    entryFile: `${RANCHER}/config.yaml`,
    ...addProvider(`${RANCHER}/config.yaml`),
  },
  {
    name: "RKE2 agent with ECR already configured",
    root: "rke2",
    config: `${RANCHER}/config.yaml`,
    binDir: `${RANCHER}/bin`,
    flagFile: "rke2's default",
    entryFile: `${RANCHER}/config.yaml`,
    ...addProvider(`${RANCHER}/config.yaml`),
  },
];

async function run(command: "install" | "uninstall", root: string, args: string[] = INSTALL) {
  const result = await pullkey(command, root, command === "install" ? args : []);
  outputs.push(result);
  return result;
}

describe.each(TREES)("$name", (tree) => {
  it("installs where the kubelet's command line takes the flags, and doctor agrees", async () => {
    const root = copyRoot(tree.root);
    expect((await run("install", root)).status).toBe(0);
    // The installed tree is golden, and the conformance harness runs the kubelet's own loader on
    // every CredentialProviderConfig in it (test/conformance/installconfig_test.go).
    const installed = files(snapshot(root));
    expect(installed).toEqual(golden(tree.root, installed));
    const line = await effectiveKubeletCommandLine(root);
    expect(line.config?.value).toBe(tree.config);
    expect(line.binDir?.value).toBe(tree.binDir);
    expect(line.config?.origin.file).toBe(tree.flagFile);
    // One --image-credential-provider-config on the line: an existing one is reused, not doubled.
    expect(
      line.args.filter((a) => a.value.startsWith("--image-credential-provider-config")),
    ).toHaveLength(1);
    expect(providers(root, tree.entryFile).map((p) => p.name)).toContain("pullkey");
    const report = (await doctor(["--root", root, "--json"])).report;
    outputs.push({ status: 0, stdout: JSON.stringify(report), stderr: "" });
    const status = Object.fromEntries(report?.checks.map((c) => [c.id, c.status]) ?? []);
    expect(status).toMatchObject({
      "kubelet-flags": "ok",
      "kubelet-config": "ok",
      "kubelet-provider": "ok",
      "kubelet-binary": "ok",
      config: "ok",
    });
    expect(report?.checks.find((c) => c.id === "kubelet-flags")?.summary).toContain(
      `--image-credential-provider-config=${tree.config}`,
    );
  });

  it("uninstalls back to the tree as it was, byte for byte, when nobody edited it", async () => {
    const root = copyRoot(tree.root);
    const before = snapshot(root);
    expect((await run("install", root)).status).toBe(0);
    expect((await run("uninstall", root)).status).toBe(0);
    expect(snapshot(root)).toEqual(before);
  });

  it("keeps the operator's edit through a re-install and an uninstall, and uninstalls twice", async () => {
    const root = copyRoot(tree.root);
    expect((await run("install", root)).status).toBe(0);
    tree.edit(root);
    expect((await run("install", root)).status).toBe(0);
    expect((await effectiveKubeletCommandLine(root)).config?.value).toBe(tree.config);
    const removed = await run("uninstall", root);
    expect(removed.status).toBe(0);
    tree.kept(root);
    expect(
      existsSync(join(root, tree.entryFile)) ? providers(root, tree.entryFile) : [],
    ).not.toContainEqual(expect.objectContaining({ name: "pullkey" }));
    const again = await run("uninstall", root);
    expect(again.status).toBe(0);
    expect(again.stderr).toBe(
      "pullkey: uninstall: no install recorded in /var/lib/pullkey/install/manifest.json: nothing to uninstall\n",
    );
  });
});

describe("a drop-in that resets ExecStart after pullkey's", () => {
  it("is refused with the file, before anything is written", async () => {
    const root = copyRoot("systemd-99-reset");
    const before = snapshot(root);
    const result = await run("install", root);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      "pullkey: USAGE: /etc/systemd/system/kubelet.service.d/99-local.conf:4 sets the kubelet's ExecStart and sorts after pullkey's drop-in 90-pullkey-credential-provider.conf, so flags added there would never reach the kubelet; add --image-credential-provider-config=/etc/kubernetes/credential-provider-config.yaml --image-credential-provider-bin-dir=/usr/local/lib/kubelet/credential-providers to that ExecStart (or to a variable it expands from an EnvironmentFile) and run install again\n",
    );
    expect(snapshot(root)).toEqual(before);
  });
});
