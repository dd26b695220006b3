import { basename, isAbsolute, posix } from "node:path";
import { quote } from "../errors.js";
import {
  BIN_DIR_FLAG,
  CONFIG_FLAG,
  type CredentialFlags,
  credentialFlags,
  effectiveExecStart,
  envFileValue,
  shellWords,
} from "../install/flags.js";
import type { KubeletProvider } from "../install/kubelet-config/decode.js";
import { loadKubeletConfig } from "../install/kubelet-config/load.js";
import { urlsMatch } from "../matching/match.js";
import type { CheckResult } from "./report.js";

/** The provider name pullkey is registered under; the kubelet runs `<bin-dir>/<name>`. */
export const PROVIDER_NAME = "pullkey";

/**
 * A read-only view of a node's files, node paths mapped under `--root` so tests use temp trees.
 * `/proc` is read through it too.
 */
export interface NodeView {
  read(path: string): Promise<string | undefined>;
  kind(path: string): Promise<{ type: "file" | "dir" | "other"; mode: number } | undefined>;
  list(dir: string): Promise<string[]>;
}

/** Everything on a node that sets the two kubelet flags, read but not yet interpreted. */
export interface KubeletInputs {
  /** argv of running processes whose executable is named kubelet, k3s or rke2. */
  processes: { pid: number; argv: string[] }[];
  /** Node path → text, for the files that carry kubelet flags (absent files left out). */
  files: Record<string, string>;
  /** The kubelet unit and its drop-ins, in the order systemd applies them. */
  unitTexts: string[];
  /** For k3s/RKE2, which pass the flags only when these exist with the right type. */
  kinds: Record<string, "file" | "dir" | "other" | undefined>;
}

/** One flag's value and the place that set it. */
export interface FoundFlag {
  value: string;
  where: string;
}

/** What the kubelet on this node runs with, as far as the files and processes tell. */
export interface KubeletFlags {
  config?: FoundFlag;
  binDir?: FoundFlag;
  /** Where the flags were looked for, for the line that says neither was found. */
  lookedAt: string;
  /** False when nothing suggests a kubelet on this node at all. */
  kubeletFound: boolean;
  /** A distribution-specific condition the operator must know (k3s passes flags conditionally). */
  note?: string;
  /** Flags in the files that the running kubelet lacks (set, but not restarted since). */
  pending?: string;
}

export const KUBEADM_FLAGS_ENV = "/var/lib/kubelet/kubeadm-flags.env";
export const DEFAULT_KUBELET = "/etc/default/kubelet";
export const SYSCONFIG_KUBELET = "/etc/sysconfig/kubelet";
export const EKS_ENV = "/etc/eks/kubelet/environment";
const UNIT_DIRS = ["/lib/systemd/system", "/usr/lib/systemd/system", "/etc/systemd/system"];
const RANCHER_DIR = "/var/lib/rancher/credentialprovider";
const ENV_FILES: readonly [path: string, variable: string][] = [
  // 10-kubeadm.conf: ExecStart=... $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS, so EXTRA wins.
  [KUBEADM_FLAGS_ENV, "KUBELET_KUBEADM_ARGS"],
  [SYSCONFIG_KUBELET, "KUBELET_EXTRA_ARGS"],
  [DEFAULT_KUBELET, "KUBELET_EXTRA_ARGS"],
  // nodeadm appends the operator's flags after its own, in the same variable.
  [EKS_ENV, "NODEADM_KUBELET_ARGS"],
];

/** Reads the processes and files that may set the kubelet's flags. */
export async function gatherKubeletInputs(node: NodeView): Promise<KubeletInputs> {
  const processes: KubeletInputs["processes"] = [];
  for (const entry of await node.list("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await node.read(`/proc/${entry}/cmdline`).catch(() => undefined);
    if (!cmdline) continue;
    const argv = cmdline.split("\0").filter((arg, i, all) => arg !== "" || i < all.length - 1);
    if (["kubelet", "k3s", "rke2"].includes(basename(argv[0] ?? ""))) {
      processes.push({ pid: Number(entry), argv });
    }
  }
  const files: Record<string, string> = {};
  const paths = [
    ...ENV_FILES.map(([path]) => path),
    "/etc/rancher/k3s/config.yaml",
    "/etc/rancher/rke2/config.yaml",
  ];
  for (const path of paths) {
    const text = await node.read(path);
    if (text !== undefined) files[path] = text;
  }
  const unitTexts: string[] = [];
  for (const dir of UNIT_DIRS) {
    const unit = await node.read(`${dir}/kubelet.service`);
    if (unit !== undefined) unitTexts[0] = unit;
  }
  if (unitTexts.length > 0) {
    const dropIns = new Map<string, string>();
    for (const dir of UNIT_DIRS) {
      for (const name of await node.list(`${dir}/kubelet.service.d`)) {
        if (name.endsWith(".conf")) dropIns.set(name, `${dir}/kubelet.service.d/${name}`);
      }
    }
    for (const name of [...dropIns.keys()].sort()) {
      unitTexts.push((await node.read(dropIns.get(name) ?? "")) ?? "");
    }
  }
  const kinds: KubeletInputs["kinds"] = {};
  for (const flavour of ["k3s", "rke2"]) {
    if (!(await node.kind(`/etc/rancher/${flavour}`))) continue;
    kinds[`/etc/rancher/${flavour}`] = "dir";
    const keys = rancherKeys(files[`/etc/rancher/${flavour}/config.yaml`]);
    for (const path of [keys.config, keys.binDir]) kinds[path] = (await node.kind(path))?.type;
  }
  return { processes, files, unitTexts, kinds };
}

/**
 * Decides the kubelet's two flags. A running kubelet's own argv is the truth (pflag: the last
 * occurrence wins); without one, the files are read in the order the kubelet's unit expands
 * them, later ones winning (kubelet-protocol.md §5, §6). Pure.
 */
export function resolveKubeletFlags(inputs: KubeletInputs): KubeletFlags {
  const kubelet = inputs.processes.find((p) => basename(p.argv[0] ?? "") === "kubelet");
  if (kubelet) {
    const where = `the running kubelet (pid ${kubelet.pid})`;
    const running = fromSets([{ where, flags: credentialFlags(kubelet.argv) }], where, true);
    // Flags added to the files but not yet in the process: the kubelet was not restarted.
    const files = flagsFromFiles(inputs);
    const changed = (["config", "binDir"] as const).filter(
      (key) => files[key] !== undefined && files[key]?.value !== running[key]?.value,
    );
    if (changed.length > 0) {
      const what = changed
        .map(
          (key) =>
            `${key === "config" ? CONFIG_FLAG : BIN_DIR_FLAG}=${files[key]?.value} (in ${files[key]?.where})`,
        )
        .join(" and ");
      running.pending = `the files set ${what}, which the running kubelet does not have yet: restart the kubelet`;
    }
    return running;
  }
  for (const flavour of ["rke2", "k3s"] as const) {
    const embedded = inputs.processes.some((p) => basename(p.argv[0] ?? "") === flavour);
    if (!embedded && inputs.kinds[`/etc/rancher/${flavour}`] !== "dir") continue;
    return rancherFlags(flavour, inputs);
  }
  return flagsFromFiles(inputs);
}

/** The flags as the unit and environment files set them, later files winning. */
function flagsFromFiles(inputs: KubeletInputs): KubeletFlags {
  const sets: { where: string; flags: CredentialFlags }[] = [];
  const execStart = effectiveExecStart(inputs.unitTexts);
  if (execStart !== undefined) {
    sets.push({
      where: "kubelet.service ExecStart",
      flags: credentialFlags(shellWords(execStart)),
    });
  }
  for (const [path, variable] of ENV_FILES) {
    const text = inputs.files[path];
    if (text === undefined) continue;
    const value = envFileValue(text, variable);
    sets.push({ where: `${variable} in ${path}`, flags: credentialFlags(shellWords(value ?? "")) });
  }
  const lookedAt = `${["kubelet.service", ...ENV_FILES.map(([path]) => path)].join(", ")} and /proc`;
  return fromSets(sets, lookedAt, sets.length > 0);
}

function fromSets(
  sets: { where: string; flags: CredentialFlags }[],
  lookedAt: string,
  kubeletFound: boolean,
): KubeletFlags {
  const result: KubeletFlags = { lookedAt, kubeletFound };
  for (const { where, flags } of sets) {
    if (flags.config !== undefined) result.config = { value: flags.config, where };
    if (flags.binDir !== undefined) result.binDir = { value: flags.binDir, where };
  }
  return result;
}

function rancherKeys(text: string | undefined): { config: string; binDir: string } {
  const get = (key: string) => {
    // The two keys are plain scalars in k3s/RKE2 configs; a YAML parser is not worth loading.
    const m = new RegExp(`^${key}:\\s*["']?([^"'#\\s]+)`, "m").exec(text ?? "");
    return m?.[1];
  };
  return {
    config: get("image-credential-provider-config") ?? `${RANCHER_DIR}/config.yaml`,
    binDir: get("image-credential-provider-bin-dir") ?? `${RANCHER_DIR}/bin`,
  };
}

/**
 * k3s and RKE2 pass both flags to their kubelet themselves, from config.yaml keys or defaults,
 * but only while the bin dir is a folder and the config a regular file (k3s
 * ImageCredProvAvailable); otherwise the kubelet gets neither.
 */
function rancherFlags(flavour: "k3s" | "rke2", inputs: KubeletInputs): KubeletFlags {
  const file = `/etc/rancher/${flavour}/config.yaml`;
  const keys = rancherKeys(inputs.files[file]);
  const where = `${flavour} (${inputs.files[file] === undefined ? "defaults" : `${file} or defaults`})`;
  const lookedAt = `${flavour}'s ${file} and defaults`;
  const configKind = inputs.kinds[keys.config];
  const binKind = inputs.kinds[keys.binDir];
  if (configKind === "file" && binKind === "dir") {
    return {
      lookedAt,
      kubeletFound: true,
      config: { value: keys.config, where },
      binDir: { value: keys.binDir, where },
    };
  }
  return {
    lookedAt,
    kubeletFound: true,
    note: `${flavour} passes ${CONFIG_FLAG}=${keys.config} and ${BIN_DIR_FLAG}=${keys.binDir} to its kubelet only while the first is a regular file and the second a folder (now: ${configKind ?? "missing"} and ${binKind ?? "missing"})`,
  };
}

/** The kubelet's two flags as a check. */
export function flagsCheck(flags: KubeletFlags): CheckResult {
  const id = "kubelet-flags";
  const pending = flags.pending ? `; ${flags.pending}` : "";
  if (flags.config && flags.binDir) {
    const same = flags.config.where === flags.binDir.where;
    return {
      id,
      status: flags.pending ? "warn" : "ok",
      summary: `${CONFIG_FLAG}=${flags.config.value} and ${BIN_DIR_FLAG}=${flags.binDir.value} (${same ? `from ${flags.config.where}` : `from ${flags.config.where} and ${flags.binDir.where}`})${pending}`,
    };
  }
  if (!flags.kubeletFound) {
    return {
      id,
      status: "fail",
      summary: `no kubelet found on this node (looked at ${flags.lookedAt}); run doctor on a node, or pass --root for a copy of one`,
    };
  }
  if (flags.note) return { id, status: "fail", summary: flags.note };
  const one = flags.config ?? flags.binDir;
  if (one) {
    const missing = flags.config ? BIN_DIR_FLAG : CONFIG_FLAG;
    const set = flags.config ? CONFIG_FLAG : BIN_DIR_FLAG;
    return {
      id,
      status: "fail",
      summary: `only ${set}=${one.value} is set (in ${one.where}); without ${missing} the kubelet refuses to start${pending}`,
    };
  }
  return {
    id,
    status: "fail",
    summary: `neither ${CONFIG_FLAG} nor ${BIN_DIR_FLAG} is set (looked at ${flags.lookedAt}): the kubelet never runs credential providers${pending}`,
  };
}

/** The kubelet config's files, as the kubelet reads them: one file, or a folder's *.json/*.yaml/*.yml in byte order. */
export async function readKubeletConfigFiles(
  node: NodeView,
  path: string,
): Promise<{ files: { path: string; text: string }[] } | { problem: string }> {
  const kind = await node.kind(path);
  if (!kind) return { problem: `${path} does not exist: the kubelet refuses to start` };
  if (kind.type === "dir") {
    const names = (await node.list(path))
      .filter((name) => [".json", ".yaml", ".yml"].includes(posix.extname(name)))
      .sort();
    const files: { path: string; text: string }[] = [];
    for (const name of names) {
      const file = posix.join(path, name);
      if ((await node.kind(file))?.type === "dir") continue;
      const text = await node.read(file);
      if (text !== undefined) files.push({ path: file, text });
    }
    if (files.length === 0) {
      return { problem: `no configuration files found in directory ${quote(path)}` };
    }
    return { files };
  }
  const text = await node.read(path);
  if (text === undefined) return { problem: `${path} cannot be read` };
  return { files: [{ path, text }] };
}

/** The CredentialProviderConfig check, and pullkey's entry when the config is valid. */
export async function kubeletConfigCheck(
  node: NodeView,
  path: string,
): Promise<{ check: CheckResult; providers?: KubeletProvider[] }> {
  const id = "kubelet-config";
  const read = await readKubeletConfigFiles(node, path);
  if ("problem" in read) return { check: { id, status: "fail", summary: read.problem } };
  const loaded = loadKubeletConfig(read.files);
  if (loaded.error !== undefined) {
    return {
      check: {
        id,
        status: "fail",
        summary: `${path} is invalid, so the kubelet refuses to start: ${loaded.error}`,
      },
    };
  }
  const names = loaded.config.providers.map((p) => p.name);
  return {
    check: {
      id,
      status: "ok",
      summary: `${path} is valid (${read.files.length} file${read.files.length === 1 ? "" : "s"}; providers: ${names.join(", ")})`,
    },
    providers: loaded.config.providers,
  };
}

/** Whether the config has a pullkey entry, and whether it sends IMAGE to pullkey. */
export function providerCheck(
  providers: readonly KubeletProvider[],
  configPath: string,
  image: string | undefined,
): { check: CheckResult; provider?: KubeletProvider } {
  const id = "kubelet-provider";
  const provider = providers.find((p) => p.name === PROVIDER_NAME);
  if (!provider) {
    return {
      check: {
        id,
        status: "fail",
        summary: `${configPath} has no provider named ${quote(PROVIDER_NAME)} (providers: ${providers.map((p) => quote(p.name)).join(", ")}): the kubelet never runs pullkey`,
      },
    };
  }
  const patterns = provider.matchImages.map((p) => quote(p)).join(", ");
  const config = providerConfigPath(provider);
  if (config !== undefined && !isAbsolute(config)) {
    return {
      check: {
        id,
        status: "fail",
        summary: `provider ${quote(PROVIDER_NAME)} passes --config ${config}, a relative path: the kubelet's working directory is not defined, so pullkey refuses it; give an absolute path`,
      },
      provider,
    };
  }
  if (image !== undefined && !provider.matchImages.some((p) => urlsMatch(p, image))) {
    return {
      check: {
        id,
        status: "fail",
        summary: `provider ${quote(PROVIDER_NAME)} matchImages [${patterns}] do not match ${image}: the kubelet never asks pullkey for it`,
      },
      provider,
    };
  }
  return {
    check: {
      id,
      status: "ok",
      summary: `provider ${quote(PROVIDER_NAME)} (${provider.apiVersion}) with matchImages [${patterns}]${image === undefined ? "" : `, which match ${image}`}`,
    },
    provider,
  };
}

/** `<bin-dir>/pullkey` must be an executable regular file (the kubelet's exec.LookPath). */
export async function binaryCheck(node: NodeView, binDir: string): Promise<CheckResult> {
  const id = "kubelet-binary";
  const dirKind = await node.kind(binDir);
  if (dirKind?.type !== "dir") {
    return {
      id,
      status: "fail",
      summary: `${BIN_DIR_FLAG} ${binDir} ${dirKind ? "is not a folder" : "does not exist"}: the kubelet refuses to start`,
    };
  }
  const path = posix.join(binDir, PROVIDER_NAME);
  const kind = await node.kind(path);
  if (!kind) {
    return {
      id,
      status: "fail",
      summary: `${path} does not exist: the kubelet refuses to start ("plugin binary executable  did not exist")`,
    };
  }
  if (kind.type !== "file") {
    return { id, status: "fail", summary: `${path} is not a regular file` };
  }
  if ((kind.mode & 0o111) === 0) {
    return {
      id,
      status: "fail",
      summary: `${path} is not executable (mode ${(kind.mode & 0o7777).toString(8).padStart(4, "0")}): chmod 0755 it`,
    };
  }
  return {
    id,
    status: "ok",
    summary: `${path} is executable (mode ${(kind.mode & 0o7777).toString(8).padStart(4, "0")})`,
  };
}

/**
 * The pullkey config the kubelet's pullkey entry points at: `--config` in its args, else
 * PULLKEY_CONFIG in its env; undefined means pullkey's default.
 */
export function providerConfigPath(provider: KubeletProvider): string | undefined {
  const fromArgs = credentialArgs(provider.args);
  if (fromArgs !== undefined) return fromArgs;
  const env = provider.env.filter((e) => e.name === "PULLKEY_CONFIG").at(-1);
  return env && isAbsolute(env.value) ? env.value : undefined;
}

function credentialArgs(args: readonly string[]): string | undefined {
  let found: string | undefined;
  args.forEach((arg, i) => {
    if (arg === "--config" && args[i + 1] !== undefined) found = args[i + 1];
    else if (arg.startsWith("--config=")) found = arg.slice("--config=".length);
  });
  return found;
}
