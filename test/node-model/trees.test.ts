import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { effectiveKubeletCommandLine } from "../../provider/node/command-line.js";
import { describeOrigin } from "../../provider/node/origin.js";

/**
 * The kubelet's effective command line on each fixture tree as the distribution ships it, with
 * the file and line every word comes from: what install writes by and doctor reports.
 */

const ROOTS = fileURLToPath(new URL("../fixtures/install/roots", import.meta.url));
const DROP_IN = "/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf";
const KUBEADM_ENV = "KUBELET_KUBEADM_ARGS in /var/lib/kubelet/kubeadm-flags.env:1";

interface Row {
  name: string;
  root: string;
  flavour: string;
  unit: string;
  /** [word, where it comes from], argv[0] first. */
  args: [string, string][];
}

const ROWS: Row[] = [
  {
    name: "kubeadm (deb): 10-kubeadm.conf's ExecStart expands Environment= and kubeadm-flags.env",
    root: "kubeadm",
    flavour: "kubeadm",
    unit: "kubelet.service",
    args: [
      ["/usr/bin/kubelet", `${DROP_IN}:8`],
      [
        "--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf",
        `KUBELET_KUBECONFIG_ARGS in ${DROP_IN}:3`,
      ],
      ["--kubeconfig=/etc/kubernetes/kubelet.conf", `KUBELET_KUBECONFIG_ARGS in ${DROP_IN}:3`],
      ["--config=/var/lib/kubelet/config.yaml", `KUBELET_CONFIG_ARGS in ${DROP_IN}:4`],
      ["--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock", KUBEADM_ENV],
      ["--pod-infra-container-image=registry.k8s.io/pause:3.10", KUBEADM_ENV],
    ],
  },
  {
    name: "EKS AL2023: the unit's literal flags, then NODEADM_KUBELET_ARGS",
    root: "eks",
    flavour: "eks",
    unit: "kubelet.service",
    args: [
      ["/usr/bin/kubelet", "/etc/systemd/system/kubelet.service:11"],
      ["--config", "/etc/systemd/system/kubelet.service:11"],
      ["/etc/kubernetes/kubelet/config.json", "/etc/systemd/system/kubelet.service:11"],
      ["--kubeconfig", "/etc/systemd/system/kubelet.service:11"],
      ["/var/lib/kubelet/kubeconfig", "/etc/systemd/system/kubelet.service:11"],
      ["--container-runtime-endpoint", "/etc/systemd/system/kubelet.service:11"],
      ["unix:///run/containerd/containerd.sock", "/etc/systemd/system/kubelet.service:11"],
      ["--node-ip=10.0.1.23", "NODEADM_KUBELET_ARGS in /etc/eks/kubelet/environment:1"],
      [
        "--image-credential-provider-bin-dir=/etc/eks/image-credential-provider",
        "NODEADM_KUBELET_ARGS in /etc/eks/kubelet/environment:1",
      ],
      [
        "--image-credential-provider-config=/etc/eks/image-credential-provider/config.json",
        "NODEADM_KUBELET_ARGS in /etc/eks/kubelet/environment:1",
      ],
      [
        "--hostname-override=ip-10-0-1-23.ec2.internal",
        "NODEADM_KUBELET_ARGS in /etc/eks/kubelet/environment:1",
      ],
    ],
  },
  {
    name: "k3s: kubelet-arg from config.yaml, then config.yaml.d (kubelet-arg+), then ExecStart",
    root: "k3s-config-d",
    flavour: "k3s",
    unit: "k3s.service",
    args: [
      ["kubelet", "k3s (in-process kubelet)"],
      ["--v=2", "kubelet-arg in /etc/rancher/k3s/config.yaml:3"],
      [
        "--image-gc-high-threshold=90",
        "kubelet-arg in /etc/rancher/k3s/config.yaml.d/50-credentials.yaml:5",
      ],
      ["--max-pods=150", "--kubelet-arg in /etc/systemd/system/k3s.service:23"],
    ],
  },
  {
    name: "k3s agent only: k3s-agent.service, no /etc/rancher/k3s, no credential files yet",
    root: "k3s-agent",
    flavour: "k3s",
    unit: "k3s-agent.service",
    args: [["kubelet", "k3s (in-process kubelet)"]],
  },
  {
    name: "RKE2 with its default config file and bin dir in place: both flags passed",
    root: "rke2",
    flavour: "rke2",
    unit: "rke2-agent.service",
    args: [
      ["kubelet", "rke2 (in-process kubelet)"],
      [
        "--image-credential-provider-config=/var/lib/rancher/credentialprovider/config.yaml",
        "rke2's default",
      ],
      [
        "--image-credential-provider-bin-dir=/var/lib/rancher/credentialprovider/bin",
        "rke2's default",
      ],
    ],
  },
  {
    name: "a 99- drop-in whose ExecStart replaces the unit's",
    root: "systemd-99-reset",
    flavour: "systemd",
    unit: "kubelet.service",
    args: [
      ["/usr/local/bin/kubelet", "/etc/systemd/system/kubelet.service.d/99-local.conf:4"],
      [
        "--config=/var/lib/kubelet/config.yaml",
        "/etc/systemd/system/kubelet.service.d/99-local.conf:4",
      ],
      [
        "--kubeconfig=/etc/kubernetes/kubelet.conf",
        "/etc/systemd/system/kubelet.service.d/99-local.conf:4",
      ],
      ["--max-pods=250", "/etc/systemd/system/kubelet.service.d/99-local.conf:4"],
    ],
  },
];

describe("the kubelet's effective command line on a distribution's tree", () => {
  it.each(ROWS)("$name", async (row) => {
    const line = await effectiveKubeletCommandLine(`${ROOTS}/${row.root}/before`);
    expect(line.flavour).toBe(row.flavour);
    expect(line.unit).toBe(row.unit);
    expect(line.args.map((a) => [a.value, describeOrigin(a.origin)])).toEqual(row.args);
    expect(line.problems).toEqual([]);
    expect(line.notes).toEqual([]);
  });

  it.each([
    {
      name: "kubespray with a vendor's flags: from KUBELET_ARGS, a value over several lines",
      root: "kubespray-vendor",
      config: [
        "/etc/kubernetes/credential-providers.yaml",
        "KUBELET_ARGS in /etc/kubernetes/kubelet.env:6",
      ],
    },
    {
      name: "kubeadm with the flags in kubeadm-flags.env",
      root: "kubeadm-flags-already-set",
      config: ["/etc/kubernetes/image-credential-provider.yaml", KUBEADM_ENV],
    },
  ])("finds the config flag for $name", async ({ root, config }) => {
    const line = await effectiveKubeletCommandLine(`${ROOTS}/${root}/before`);
    expect(line.config && [line.config.value, describeOrigin(line.config.origin)]).toEqual(config);
  });

  it("reads k3s's credential provider paths from config.yaml.d, not passed until they exist", async () => {
    const line = await effectiveKubeletCommandLine(`${ROOTS}/k3s-config-d/before`);
    expect(line.rancher?.passed).toBe(false);
    expect(line.rancher && describeOrigin(line.rancher.config.origin)).toBe(
      "image-credential-provider-config in /etc/rancher/k3s/config.yaml.d/50-credentials.yaml:2",
    );
    expect(line.config).toBeUndefined();
  });
});

describe("systemd's search path", () => {
  const temp = mkdtempSync(join(tmpdir(), "pullkey-node-model-"));
  afterAll(() => rmSync(temp, { recursive: true, force: true }));
  const tree = (files: Record<string, string>) => {
    const root = mkdtempSync(join(temp, "root-"));
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    return root;
  };

  it("takes the unit from /etc over /usr/lib, and a same-named drop-in from /etc over /usr/lib", async () => {
    const root = tree({
      "/usr/lib/systemd/system/kubelet.service":
        "[Service]\nExecStart=/usr/bin/kubelet --from=usr\n",
      "/etc/systemd/system/kubelet.service": "[Service]\nExecStart=/usr/bin/kubelet --from=etc\n",
      "/usr/lib/systemd/system/kubelet.service.d/10-a.conf":
        "[Service]\nEnvironment=A=--usr-drop-in\n",
      "/etc/systemd/system/kubelet.service.d/10-a.conf": "[Service]\nEnvironment=A=--etc-drop-in\n",
      "/run/systemd/system/kubelet.service.d/20-b.conf":
        "[Service]\nExecStart=\nExecStart=/usr/bin/kubelet --from=run $A\n",
    });
    const line = await effectiveKubeletCommandLine(root, { flavour: "systemd" });
    expect(line.args.map((a) => [a.value, describeOrigin(a.origin)])).toEqual([
      ["/usr/bin/kubelet", "/run/systemd/system/kubelet.service.d/20-b.conf:3"],
      ["--from=run", "/run/systemd/system/kubelet.service.d/20-b.conf:3"],
      ["--etc-drop-in", "A in /etc/systemd/system/kubelet.service.d/10-a.conf:2"],
    ]);
  });

  it("orders drop-ins by name across folders, not by folder", async () => {
    const root = tree({
      "/lib/systemd/system/kubelet.service": "[Service]\nExecStart=/usr/bin/kubelet\n",
      "/etc/systemd/system/kubelet.service.d/50-etc.conf": "[Service]\nEnvironment=A=--etc\n",
      "/lib/systemd/system/kubelet.service.d/60-lib.conf":
        "[Service]\nEnvironment=A=--lib\nExecStart=\nExecStart=/usr/bin/kubelet $A\n",
    });
    const line = await effectiveKubeletCommandLine(root, { flavour: "systemd" });
    expect(line.args.map((a) => a.value)).toEqual(["/usr/bin/kubelet", "--lib"]);
  });

  it("reports a masked unit (linked to /dev/null) instead of reading the packaged one", async () => {
    const root = tree({
      "/usr/lib/systemd/system/kubelet.service": "[Service]\nExecStart=/usr/bin/kubelet\n",
    });
    mkdirSync(join(root, "/etc/systemd/system"), { recursive: true });
    symlinkSync("/dev/null", join(root, "/etc/systemd/system/kubelet.service"));
    const line = await effectiveKubeletCommandLine(root, { flavour: "systemd" });
    expect(line.args).toEqual([]);
    expect(line.problems).toEqual([
      "kubelet.service is masked (/etc/systemd/system/kubelet.service is not a unit file): systemd does not start it",
    ]);
  });
});
