import { type NodeFs, readText } from "./fs.js";
import { type Arg, BIN_DIR_FLAG, CONFIG_FLAG, type FlagValue } from "./origin.js";
import {
  type KeyValue,
  mergeRancherConfigs,
  type RancherSettings,
  rancherCliSettings,
} from "./rancher-config.js";
import { findUnitSources, loadService, type ServiceModel } from "./systemd.js";

/**
 * The kubelet that k3s and RKE2 run in-process, as far as its credential provider flags go:
 * k3s passes `--image-credential-provider-config`/`-bin-dir` from its own keys or defaults only
 * while the config is a regular file and the bin dir a folder (k3s pkg/agent
 * ImageCredProvAvailable); `kubelet-arg` entries (config files, then the command line) come
 * after and replace a flag of the same name (k3s GetArgs).
 */

export const RANCHER_DIR = "/var/lib/rancher/credentialprovider";

export interface RancherView {
  flavour: "k3s" | "rke2";
  /** The paths k3s/RKE2 would pass (its keys or defaults), before kubelet-arg. */
  config: FlagValue;
  binDir: FlagValue;
  /** Whether k3s/RKE2 passes them now (config a file, bin dir a folder). */
  passed: boolean;
  /** The config files read, in order. */
  configFiles: string[];
}

export interface RancherModel {
  unit: string;
  service?: ServiceModel;
  args: Arg[];
  view: RancherView;
  notes: string[];
}

/** The units that run k3s/RKE2, server first (a node normally has one of them). */
export function rancherUnits(flavour: "k3s" | "rke2"): string[] {
  return flavour === "k3s"
    ? ["k3s.service", "k3s-agent.service"]
    : ["rke2-server.service", "rke2-agent.service"];
}

/** Whether any of the flavour's units is installed. */
export async function hasRancherUnit(fs: NodeFs, flavour: "k3s" | "rke2"): Promise<boolean> {
  for (const unit of rancherUnits(flavour)) {
    if ((await findUnitSources(fs, unit)).main) return true;
  }
  return false;
}

/** Reads the unit, its command line and config files, and derives the kubelet's flags. */
export async function loadRancher(fs: NodeFs, flavour: "k3s" | "rke2"): Promise<RancherModel> {
  const notes: string[] = [];
  let service: ServiceModel | undefined;
  for (const unit of rancherUnits(flavour)) {
    service = await loadService(fs, unit);
    if (service) break;
  }
  const unit = service?.unit ?? rancherUnits(flavour)[0] ?? `${flavour}.service`;
  // After the executable: `server`/`agent` (not a flag, so skipped), then flags.
  const cli = rancherCliSettings(service?.args.slice(1) ?? []);
  const envName = `${flavour.toUpperCase()}_CONFIG_FILE`;
  const envConfig = service?.env.get(envName);
  const configPath = cli.config?.value ?? envConfig?.value ?? `/etc/rancher/${flavour}/config.yaml`;
  const files: { path: string; text: string }[] = [];
  const main = await readText(fs, configPath);
  if (main !== undefined) files.push({ path: configPath, text: main });
  for (const name of await fs.list(`${configPath}.d`)) {
    if (!/\.ya?ml$/.test(name)) continue;
    const path = `${configPath}.d/${name}`;
    const text = await readText(fs, path);
    if (text !== undefined) files.push({ path, text });
  }
  const fromFiles = mergeRancherConfigs(files);
  const settings: RancherSettings = {
    ...fromFiles,
    ...cli.settings,
    "kubelet-arg": [...(fromFiles["kubelet-arg"] ?? []), ...(cli.settings["kubelet-arg"] ?? [])],
  };
  const pick = (
    key: "image-credential-provider-config" | "image-credential-provider-bin-dir",
    fallback: string,
  ): FlagValue => {
    const set = settings[key]?.at(-1);
    return (
      set ?? { value: fallback, origin: { file: `${flavour}'s default`, line: 0, builtIn: true } }
    );
  };
  const config = pick("image-credential-provider-config", `${RANCHER_DIR}/config.yaml`);
  const binDir = pick("image-credential-provider-bin-dir", `${RANCHER_DIR}/bin`);
  const passed =
    (await fs.kind(config.value))?.type === "file" && (await fs.kind(binDir.value))?.type === "dir";
  const args: Arg[] = [
    {
      value: "kubelet",
      origin: { file: `${flavour} (in-process kubelet)`, line: 0, builtIn: true },
    },
  ];
  if (passed) {
    args.push({ value: `${CONFIG_FLAG}=${config.value}`, origin: config.origin });
    args.push({ value: `${BIN_DIR_FLAG}=${binDir.value}`, origin: binDir.origin });
  }
  for (const extra of settings["kubelet-arg"] ?? []) args.push(kubeletArg(extra));
  if (!service)
    notes.push(`no ${rancherUnits(flavour).join(" or ")} unit found; read ${configPath} only`);
  return {
    unit,
    ...(service ? { service } : {}),
    args,
    view: { flavour, config, binDir, passed, configFiles: files.map((f) => f.path) },
    notes,
  };
}

/** `kubelet-arg: max-pods=250` becomes `--max-pods=250` (k3s strips leading dashes, adds two). */
function kubeletArg(extra: KeyValue): Arg {
  return { value: `--${extra.value.replace(/^-+/, "")}`, origin: extra.origin };
}
