import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  copyRoot,
  DOCKER_CONFIG,
  DOCKER_SECRET,
  FAKE_EXECUTABLE,
  FIXTURES,
  files,
  golden,
  pullkey,
  removeRoots,
  snapshot,
} from "./harness.js";

afterAll(removeRoots);

interface FlavourCase {
  name: string;
  /** Fixture root under test/fixtures/install/roots. */
  root: string;
  flavour: string;
  args: string[];
  /** The kubelet CredentialProviderConfig file pullkey's entry lands in. */
  kubeletConfig: string;
  /** Another provider that must survive, untouched. */
  keeps?: string;
  restart: string[][];
}

const INSTALL = ["--executable", FAKE_EXECUTABLE, "--docker-config", DOCKER_CONFIG];

const CASES: FlavourCase[] = [
  {
    name: "kubeadm",
    root: "kubeadm",
    flavour: "kubeadm",
    args: INSTALL,
    kubeletConfig: "/etc/kubernetes/credential-provider-config.yaml",
    restart: [
      ["systemctl", "daemon-reload"],
      ["systemctl", "restart", "kubelet"],
    ],
  },
  {
    name: "kubeadm-flags-already-set",
    root: "kubeadm-flags-already-set",
    flavour: "kubeadm",
    args: INSTALL,
    kubeletConfig: "/etc/kubernetes/image-credential-provider.yaml",
    keeps: "gcr-credential-provider",
    restart: [
      ["systemctl", "daemon-reload"],
      ["systemctl", "restart", "kubelet"],
    ],
  },
  {
    name: "kubeadm-drop-in",
    root: "kubeadm",
    flavour: "kubeadm",
    args: [...INSTALL, "--drop-in", "--kubelet-version", "1.34"],
    kubeletConfig: "/etc/kubernetes/credential-providers.d/pullkey.yaml",
    restart: [
      ["systemctl", "daemon-reload"],
      ["systemctl", "restart", "kubelet"],
    ],
  },
  {
    name: "k3s",
    root: "k3s",
    flavour: "k3s",
    args: INSTALL,
    kubeletConfig: "/var/lib/rancher/credentialprovider/config.yaml",
    restart: [["systemctl", "restart", "k3s"]],
  },
  {
    name: "rke2",
    root: "rke2",
    flavour: "rke2",
    args: INSTALL,
    kubeletConfig: "/var/lib/rancher/credentialprovider/config.yaml",
    keeps: "ecr-credential-provider",
    restart: [["systemctl", "restart", "rke2-agent"]],
  },
  {
    name: "eks",
    root: "eks",
    flavour: "eks",
    args: INSTALL,
    kubeletConfig: "/etc/eks/image-credential-provider/config.json",
    keeps: "ecr-credential-provider",
    restart: [["systemctl", "restart", "kubelet"]],
  },
  {
    name: "systemd",
    root: "systemd",
    flavour: "systemd",
    args: [...INSTALL, "--flavour", "systemd"],
    kubeletConfig: "/etc/kubernetes/credential-provider-config.yaml",
    restart: [
      ["systemctl", "daemon-reload"],
      ["systemctl", "restart", "kubelet"],
    ],
  },
];

function providers(root: string, path: string): { name: string }[] {
  return (parse(readFileSync(join(root, path), "utf8")) as { providers: { name: string }[] })
    .providers;
}

describe.each(CASES)("install on $name", (testCase) => {
  it("writes the golden files: executable, pullkey config, kubelet entry, flags", async () => {
    const root = copyRoot(testCase.root);
    const result = await pullkey("install", root, testCase.args);
    expect(result.stderr).not.toMatch(/pullkey: [A-Z_]+:/);
    expect(result.status).toBe(0);
    const after = files(snapshot(root));
    expect(after).toEqual(golden(testCase.name, after));
  });

  it("detects the flavour from the files on the node", async () => {
    const root = copyRoot(testCase.root);
    const result = await pullkey("install", root, [...testCase.args, "--dry-run"]);
    const manifestDiff = result.stdout.split("+++ b/var/lib/pullkey/install/manifest.json")[1];
    expect(manifestDiff).toContain(`"flavour": "${testCase.flavour}"`);
  });

  it("changes nothing when run a second time", async () => {
    const root = copyRoot(testCase.root);
    await pullkey("install", root, testCase.args);
    const first = snapshot(root);
    const again = await pullkey("install", root, testCase.args);
    expect(again.status).toBe(0);
    expect(again.stderr).toContain("install: nothing to change");
    expect(snapshot(root)).toEqual(first);
  });

  it("prints the diff of every file it would touch on --dry-run, and writes nothing", async () => {
    const root = copyRoot(testCase.root);
    const before = snapshot(root);
    const result = await pullkey("install", root, [...testCase.args, "--dry-run"]);
    expect(result.status).toBe(0);
    expect(snapshot(root)).toEqual(before);
    expect(result.stdout).toContain(`+++ b${testCase.kubeletConfig}`);
    expect(result.stdout).toContain("/pullkey (executable)");
    expect(result.stdout).toContain("(secret, contents not shown)");
    expect(result.stdout + result.stderr).not.toContain(DOCKER_SECRET);
  });

  it("restores the original bytes on uninstall, removing every file and folder it added", async () => {
    const root = copyRoot(testCase.root);
    const before = snapshot(root);
    await pullkey("install", root, testCase.args);
    const result = await pullkey("uninstall", root, []);
    expect(result.stderr).not.toMatch(/pullkey: [A-Z_]+:/);
    expect(result.status).toBe(0);
    expect(snapshot(root)).toEqual(before);
  });

  it("restarts the kubelet only with --restart, and only when something changed", async () => {
    const root = copyRoot(testCase.root);
    const plain = await pullkey("install", root, testCase.args);
    expect(plain.commands).toEqual([]);
    const unchanged = await pullkey("install", root, [...testCase.args, "--restart"]);
    expect(unchanged.commands).toEqual([]);
    expect(unchanged.stderr).not.toContain("restart");
    const fresh = copyRoot(testCase.root);
    const restarted = await pullkey("install", fresh, [...testCase.args, "--restart"]);
    // With --root other than / nothing is run; the commands are printed for the operator.
    expect(restarted.commands).toEqual([]);
    expect(restarted.stderr).toContain(testCase.restart.map((c) => c.join(" ")).join(" && "));
  });
});

describe.each(CASES.filter((c) => c.keeps !== undefined))("merge on $name", (testCase) => {
  it("keeps the other provider entry as it was, and puts pullkey's after it", async () => {
    const root = copyRoot(testCase.root);
    const original = providers(
      join(FIXTURES, "roots", testCase.root, "before"),
      testCase.kubeletConfig,
    );
    await pullkey("install", root, testCase.args);
    const merged = providers(root, testCase.kubeletConfig);
    expect(merged.map((p) => p.name)).toEqual([testCase.keeps, "pullkey"]);
    expect(merged[0]).toEqual(original.find((p) => p.name === testCase.keeps));
  });
});
