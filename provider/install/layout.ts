import { PullkeyError } from "../errors.js";
import { effectiveKubeletCommandLine, type KubeletCommandLine } from "../node/command-line.js";
import type { Flavour } from "../node/flavour.js";
import type { NodeFs } from "../node/fs.js";
import { BIN_DIR_FLAG, CONFIG_FLAG, describeOrigin, type FlagValue } from "../node/origin.js";
import { chooseFlagTarget, DROP_IN_PATH, type FlagTarget } from "./flag-target.js";

/**
 * Where pullkey's files go on this node and where the kubelet flags get set, from the node
 * model's effective kubelet command line (kubelet-protocol.md §6).
 */

/** The two flags pullkey adds when missing. */
export interface CredentialFlags {
  config?: string;
  binDir?: string;
}

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
  /** The command line the layout was worked out from (pullkey's own drop-in left out). */
  commandLine: KubeletCommandLine;
}

export interface LayoutOptions {
  flavour?: Flavour | undefined;
  binDir?: string | undefined;
  kubeletConfig?: string | undefined;
  /** Default to a config folder rather than a file when the kubelet has no flag yet. */
  dropIn?: boolean | undefined;
}

export const DEFAULT_BIN_DIR = "/usr/local/lib/kubelet/credential-providers";
export const DEFAULT_KUBELET_CONFIG = "/etc/kubernetes/credential-provider-config.yaml";
export const DEFAULT_KUBELET_CONFIG_DIR = "/etc/kubernetes/credential-providers.d";

/** The flag words pullkey adds, in a fixed order. */
export function flagWords(flags: CredentialFlags): string[] {
  return [
    ...(flags.config === undefined ? [] : [`${CONFIG_FLAG}=${flags.config}`]),
    ...(flags.binDir === undefined ? [] : [`${BIN_DIR_FLAG}=${flags.binDir}`]),
  ];
}

/** Resolves the paths, the flag target and the restart commands for this node. */
export async function resolveLayout(fs: NodeFs, options: LayoutOptions): Promise<Layout> {
  const line = await effectiveKubeletCommandLine(fs, {
    flavour: options.flavour,
    exclude: DROP_IN_PATH,
  });
  const { flavour } = line;
  const notes = [...line.notes];
  const rancher = line.rancher;
  if (rancher) {
    // k3s/RKE2 pass both flags themselves once the config file and bin dir exist.
    const config = line.config ?? rancher.config;
    const binDir = line.binDir ?? rancher.binDir;
    const chosen = choosePaths({ config, binDir }, options);
    notes.push(
      `${flavour} passes both kubelet flags itself, but only while ${chosen.binDir} is a folder and ${chosen.kubeletConfig} a regular file`,
    );
    return {
      flavour,
      binDir: chosen.binDir,
      kubeletConfig: chosen.kubeletConfig,
      flagsSet: true,
      restart: [["systemctl", "restart", line.unit.replace(/\.service$/, "")]],
      notes,
      commandLine: line,
    };
  }
  if (line.args.length === 0) {
    throw new PullkeyError(
      "USAGE",
      `cannot work out the kubelet's command line: ${line.problems.join("; ")}; pass --flavour for this node`,
    );
  }
  const chosen = choosePaths({ config: line.config, binDir: line.binDir }, options);
  const needed = chosen.missing.binDir !== undefined || chosen.missing.config !== undefined;
  if (flavour === "eks") {
    notes.push(
      `nodeadm rewrites ${chosen.kubeletConfig} at every boot: run this installer from the node's user data (after nodeadm) or bake it into the AMI, or pullkey's entry is gone after a reboot`,
    );
  }
  const target = needed ? chooseFlagTarget(line, flagWords(chosen.missing)) : undefined;
  if (target?.kind === "drop-in") {
    notes.push(
      "the systemd drop-in copies the kubelet's current ExecStart; re-run the installer after a package upgrade changes it",
    );
  }
  return {
    flavour,
    binDir: chosen.binDir,
    kubeletConfig: chosen.kubeletConfig,
    flagsSet: !needed,
    ...(target ? { addFlags: { target, flags: chosen.missing } } : {}),
    restart: [
      ["systemctl", "daemon-reload"],
      ["systemctl", "restart", "kubelet"],
    ],
    notes,
    commandLine: line,
  };
}

/**
 * Uses the flags the kubelet already has, else the operator's choice, else the defaults, and
 * refuses a choice that contradicts a flag already set (setting it twice would silently win or
 * lose depending on order).
 */
function choosePaths(
  existing: { config?: FlagValue | undefined; binDir?: FlagValue | undefined },
  options: LayoutOptions,
): { binDir: string; kubeletConfig: string; missing: CredentialFlags } {
  for (const [current, chosen, flag, option] of [
    [existing.binDir, options.binDir, BIN_DIR_FLAG, "--bin-dir"],
    [existing.config, options.kubeletConfig, CONFIG_FLAG, "--kubelet-config"],
  ] as const) {
    if (chosen !== undefined && current !== undefined && chosen !== current.value) {
      throw new PullkeyError(
        "USAGE",
        `${option} ${chosen} contradicts ${flag}=${current.value} already set in ${describeOrigin(current.origin)}; leave ${option} out to use it`,
      );
    }
  }
  const binDir = existing.binDir?.value ?? options.binDir ?? DEFAULT_BIN_DIR;
  const kubeletConfig =
    existing.config?.value ??
    options.kubeletConfig ??
    (options.dropIn ? DEFAULT_KUBELET_CONFIG_DIR : DEFAULT_KUBELET_CONFIG);
  const missing: CredentialFlags = {};
  if (existing.binDir === undefined) missing.binDir = binDir;
  if (existing.config === undefined) missing.config = kubeletConfig;
  return { binDir, kubeletConfig, missing };
}
