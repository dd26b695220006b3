import { parse } from "yaml";
import { PullkeyError } from "../errors.js";
import {
  type CredentialFlags,
  credentialFlags,
  effectiveExecStart,
  envFileValue,
  mergeFlags,
  shellWords,
} from "./flags.js";
import type { NodeFs } from "./fs.js";

/**
 * Where each Kubernetes flavour keeps the kubelet's credential provider files and how its flags
 * are set (kubelet-protocol.md §6). Detection only reads files, so `--root` trees stand in for
 * real nodes.
 */

export const FLAVOURS = ["kubeadm", "k3s", "rke2", "eks", "systemd"] as const;
export type Flavour = (typeof FLAVOURS)[number];

/** Where the two flags get set, when the installer sets them. */
export type FlagTarget =
  | { kind: "env-file"; path: string; variable: string }
  | { kind: "drop-in"; path: string; execStart: string };

export interface Layout {
  flavour: Flavour;
  binDir: string;
  /** The kubelet's --image-credential-provider-config: a file, or a folder (kubelet 1.34+). */
  kubeletConfig: string;
  /** Whether the kubelet already has both flags (then the installer never touches them). */
  flagsSet: boolean;
  /** Where to add the missing flag(s), and which; undefined when nothing is to be added. */
  addFlags?: { target: FlagTarget; flags: CredentialFlags };
  /** Commands that make the kubelet read its new config. */
  restart: string[][];
  notes: string[];
}

export interface LayoutOptions {
  binDir?: string | undefined;
  kubeletConfig?: string | undefined;
  /** Default to a config folder rather than a file when the kubelet has no flag yet. */
  dropIn?: boolean | undefined;
}

const KUBEADM_FLAGS_ENV = "/var/lib/kubelet/kubeadm-flags.env";
const KUBEADM_DROP_INS = [
  "/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf",
  "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf",
  "/lib/systemd/system/kubelet.service.d/10-kubeadm.conf",
];
const UNIT_DIRS = ["/lib/systemd/system", "/usr/lib/systemd/system", "/etc/systemd/system"];
const RANCHER_DIR = "/var/lib/rancher/credentialprovider";
const EKS_DIR = "/etc/eks/image-credential-provider";
const EKS_ENV = "/etc/eks/kubelet/environment";
export const DEFAULT_BIN_DIR = "/usr/local/lib/kubelet/credential-providers";
export const DEFAULT_KUBELET_CONFIG = "/etc/kubernetes/credential-provider-config.yaml";
export const DEFAULT_KUBELET_CONFIG_DIR = "/etc/kubernetes/credential-providers.d";

/** Guesses the flavour from the files on the node, most specific first. */
export async function detectFlavour(fs: NodeFs): Promise<Flavour> {
  if ((await fs.kind(EKS_ENV)) || (await fs.kind(`${EKS_DIR}/config.json`))) return "eks";
  if (await fs.kind("/etc/rancher/rke2")) return "rke2";
  if (await fs.kind("/etc/rancher/k3s")) return "k3s";
  if (await fs.kind(KUBEADM_FLAGS_ENV)) return "kubeadm";
  for (const path of KUBEADM_DROP_INS) if (await fs.kind(path)) return "kubeadm";
  if (await kubeletUnitTexts(fs).then((texts) => texts.length > 0)) return "systemd";
  throw new PullkeyError(
    "USAGE",
    `cannot tell which Kubernetes flavour this node runs (looked for ${EKS_ENV}, /etc/rancher/{rke2,k3s}, ${KUBEADM_FLAGS_ENV}, a kubelet.service unit); pass --flavour ${FLAVOURS.join("|")}`,
  );
}

/** Resolves the paths, flags and restart commands for a flavour. */
export async function resolveLayout(
  flavour: Flavour,
  fs: NodeFs,
  options: LayoutOptions,
): Promise<Layout> {
  switch (flavour) {
    case "kubeadm":
      return kubeadmLayout(fs, options);
    case "systemd":
      return systemdLayout(fs, options);
    case "k3s":
    case "rke2":
      return rancherLayout(flavour, fs, options);
    case "eks":
      return eksLayout(fs, options);
  }
}

async function text(fs: NodeFs, path: string): Promise<string | undefined> {
  const bytes = await fs.read(path);
  return bytes === undefined ? undefined : new TextDecoder().decode(bytes);
}

/**
 * Uses the flags the kubelet already has, else the operator's choice, else the defaults, and
 * refuses a choice that contradicts a flag already set (setting it twice would silently win or
 * lose depending on order).
 */
function choosePaths(
  existing: CredentialFlags,
  options: LayoutOptions,
  where: string,
): { binDir: string; kubeletConfig: string; missing: CredentialFlags } {
  for (const [key, flag, option] of [
    ["binDir", "--image-credential-provider-bin-dir", "--bin-dir"],
    ["config", "--image-credential-provider-config", "--kubelet-config"],
  ] as const) {
    const chosen = key === "binDir" ? options.binDir : options.kubeletConfig;
    const current = existing[key];
    if (chosen !== undefined && current !== undefined && chosen !== current) {
      throw new PullkeyError(
        "USAGE",
        `${option} ${chosen} contradicts ${flag}=${current} already set in ${where}; leave ${option} out to use it`,
      );
    }
  }
  const binDir = existing.binDir ?? options.binDir ?? DEFAULT_BIN_DIR;
  const kubeletConfig =
    existing.config ??
    options.kubeletConfig ??
    (options.dropIn ? DEFAULT_KUBELET_CONFIG_DIR : DEFAULT_KUBELET_CONFIG);
  const missing: CredentialFlags = {};
  if (existing.binDir === undefined) missing.binDir = binDir;
  if (existing.config === undefined) missing.config = kubeletConfig;
  return { binDir, kubeletConfig, missing };
}

const SYSTEMCTL_RESTART_KUBELET = [
  ["systemctl", "daemon-reload"],
  ["systemctl", "restart", "kubelet"],
];

async function kubeadmLayout(fs: NodeFs, options: LayoutOptions): Promise<Layout> {
  const kubeadmArgs = envFileValue(
    (await text(fs, KUBEADM_FLAGS_ENV)) ?? "",
    "KUBELET_KUBEADM_ARGS",
  );
  // deb packages read /etc/default/kubelet, rpm packages /etc/sysconfig/kubelet (10-kubeadm.conf).
  let extraFile = "/etc/default/kubelet";
  if (!(await fs.kind(extraFile))) {
    if ((await fs.kind("/etc/sysconfig/kubelet")) || (await fs.kind("/etc/redhat-release"))) {
      extraFile = "/etc/sysconfig/kubelet";
    }
  }
  const extraArgs = envFileValue((await text(fs, extraFile)) ?? "", "KUBELET_EXTRA_ARGS");
  // 10-kubeadm.conf puts $KUBELET_EXTRA_ARGS after $KUBELET_KUBEADM_ARGS, so EXTRA wins.
  const existing = mergeFlags(
    credentialFlags(shellWords(kubeadmArgs ?? "")),
    credentialFlags(shellWords(extraArgs ?? "")),
  );
  const chosen = choosePaths(existing, options, `${KUBEADM_FLAGS_ENV} or ${extraFile}`);
  return withFlags(
    "kubeadm",
    chosen,
    { kind: "env-file", path: extraFile, variable: "KUBELET_EXTRA_ARGS" },
    SYSTEMCTL_RESTART_KUBELET,
    [],
  );
}

function withFlags(
  flavour: Flavour,
  chosen: { binDir: string; kubeletConfig: string; missing: CredentialFlags },
  target: FlagTarget,
  restart: string[][],
  notes: string[],
): Layout {
  const needed = chosen.missing.binDir !== undefined || chosen.missing.config !== undefined;
  return {
    flavour,
    binDir: chosen.binDir,
    kubeletConfig: chosen.kubeletConfig,
    flagsSet: !needed,
    ...(needed ? { addFlags: { target, flags: chosen.missing } } : {}),
    restart,
    notes,
  };
}

/** The kubelet unit and its drop-ins, in the order systemd applies them. */
async function kubeletUnitTexts(fs: NodeFs): Promise<string[]> {
  const texts: string[] = [];
  for (const dir of UNIT_DIRS) {
    const unit = await text(fs, `${dir}/kubelet.service`);
    if (unit !== undefined) texts[0] = unit;
  }
  const dropIns = new Map<string, string>();
  for (const dir of UNIT_DIRS) {
    for (const name of await fs.list(`${dir}/kubelet.service.d`)) {
      if (name.endsWith(".conf")) dropIns.set(name, `${dir}/kubelet.service.d/${name}`);
    }
  }
  if (texts.length === 0) return [];
  for (const name of [...dropIns.keys()].sort()) {
    if (name === DROP_IN_NAME) continue;
    texts.push((await text(fs, dropIns.get(name) ?? "")) ?? "");
  }
  return texts;
}

const DROP_IN_NAME = "90-pullkey-credential-provider.conf";

async function systemdLayout(fs: NodeFs, options: LayoutOptions): Promise<Layout> {
  const texts = await kubeletUnitTexts(fs);
  const execStart = effectiveExecStart(texts);
  if (execStart === undefined) {
    throw new PullkeyError(
      "USAGE",
      `found no kubelet.service with an ExecStart in ${UNIT_DIRS.join(", ")}; pass --flavour for this node`,
    );
  }
  const ownDropIn = `/etc/systemd/system/kubelet.service.d/${DROP_IN_NAME}`;
  const existing = credentialFlags(shellWords(execStart));
  const chosen = choosePaths(existing, options, "the kubelet's ExecStart");
  return withFlags(
    "systemd",
    chosen,
    { kind: "drop-in", path: ownDropIn, execStart },
    SYSTEMCTL_RESTART_KUBELET,
    [
      "the systemd drop-in copies the kubelet's current ExecStart; re-run the installer after a package upgrade changes it",
    ],
  );
}

async function rancherLayout(
  flavour: "k3s" | "rke2",
  fs: NodeFs,
  options: LayoutOptions,
): Promise<Layout> {
  const configFile = `/etc/rancher/${flavour}/config.yaml`;
  const raw = await text(fs, configFile);
  let keys: Record<string, unknown> = {};
  if (raw !== undefined) {
    try {
      const parsed: unknown = parse(raw);
      if (parsed && typeof parsed === "object") keys = parsed as Record<string, unknown>;
    } catch {
      throw new PullkeyError("USAGE", `${configFile} is not valid YAML`);
    }
  }
  const existing: CredentialFlags = {
    config:
      typeof keys["image-credential-provider-config"] === "string"
        ? keys["image-credential-provider-config"]
        : `${RANCHER_DIR}/config.yaml`,
    binDir:
      typeof keys["image-credential-provider-bin-dir"] === "string"
        ? keys["image-credential-provider-bin-dir"]
        : `${RANCHER_DIR}/bin`,
  };
  const chosen = choosePaths(existing, options, `${flavour}'s defaults or ${configFile}`);
  const agent = await unitExists(fs, `${flavour}-agent.service`);
  const unit =
    flavour === "k3s" ? (agent ? "k3s-agent" : "k3s") : agent ? "rke2-agent" : "rke2-server";
  return {
    flavour,
    binDir: chosen.binDir,
    kubeletConfig: chosen.kubeletConfig,
    flagsSet: true,
    restart: [["systemctl", "restart", unit]],
    notes: [
      `${flavour} passes both kubelet flags itself, but only while ${chosen.binDir} is a folder and ${chosen.kubeletConfig} a regular file`,
    ],
  };
}

async function unitExists(fs: NodeFs, unit: string): Promise<boolean> {
  for (const dir of [...UNIT_DIRS, "/usr/local/lib/systemd/system"]) {
    if (await fs.kind(`${dir}/${unit}`)) return true;
  }
  return false;
}

async function eksLayout(fs: NodeFs, options: LayoutOptions): Promise<Layout> {
  const env = envFileValue((await text(fs, EKS_ENV)) ?? "", "NODEADM_KUBELET_ARGS");
  const fromNodeadm = credentialFlags(shellWords(env ?? ""));
  const existing: CredentialFlags = {
    config: fromNodeadm.config ?? `${EKS_DIR}/config.json`,
    binDir: fromNodeadm.binDir ?? EKS_DIR,
  };
  const chosen = choosePaths(existing, options, EKS_ENV);
  return {
    flavour: "eks",
    binDir: chosen.binDir,
    kubeletConfig: chosen.kubeletConfig,
    flagsSet: true,
    restart: [["systemctl", "restart", "kubelet"]],
    notes: [
      `nodeadm rewrites ${chosen.kubeletConfig} at every boot: run this installer from the node's user data (after nodeadm) or bake it into the AMI, or pullkey's entry is gone after a reboot`,
    ],
  };
}
