import { detectFlavour, type Flavour, KUBELET_UNIT, kubeadmPackaging } from "./flavour.js";
import { type NodeFs, rootedFs } from "./fs.js";
import { type Arg, BIN_DIR_FLAG, CONFIG_FLAG, type FlagValue, flagValue } from "./origin.js";
import { loadRancher, type RancherView } from "./rancher.js";
import { EKS_KUBELET_SERVICE, kubeadmDropIn, PACKAGED_KUBELET_SERVICE } from "./stock-units.js";
import { type AssumedUnit, loadService, type ServiceModel } from "./systemd.js";

/**
 * The kubelet's effective command line on a node, computed the way its init system builds it,
 * with the origin (file and line) of every word: the one model install and doctor share.
 */

export interface KubeletCommandLine {
  flavour: Flavour;
  /** The systemd unit that runs the kubelet (k3s/RKE2: their own unit). */
  unit: string;
  /** argv, argv[0] first. For k3s/RKE2 only the words that bear on the credential flags. */
  args: Arg[];
  /** The systemd evaluation behind `args` (absent for k3s/RKE2 without a unit). */
  service?: ServiceModel;
  /** k3s/RKE2: the paths they pass and whether they pass them now. */
  rancher?: RancherView;
  /** The two credential provider flags as the kubelet will see them. */
  config?: FlagValue;
  binDir?: FlagValue;
  /** Facts the operator should know (assumed files, a conditional flag). */
  notes: string[];
  /** What stops the kubelet's unit from starting as written. */
  problems: string[];
}

export interface CommandLineOptions {
  /** Skip detection (`install --flavour`). */
  flavour?: Flavour | undefined;
  /** A drop-in to leave out: pullkey's own, when working out what it should say. */
  exclude?: string | undefined;
}

/** Computes the kubelet's command line for the node at `root` (a path, or a NodeFs). */
export async function effectiveKubeletCommandLine(
  root: string | NodeFs,
  options: CommandLineOptions = {},
): Promise<KubeletCommandLine> {
  const fs = typeof root === "string" ? rootedFs(root) : root;
  const flavour = options.flavour ?? (await detectFlavour(fs));
  if (flavour === "k3s" || flavour === "rke2") {
    const model = await loadRancher(fs, flavour);
    return withFlags({
      flavour,
      unit: model.unit,
      args: model.args,
      ...(model.service ? { service: model.service } : {}),
      rancher: model.view,
      notes: model.notes,
      problems: model.service?.problems ?? [],
    });
  }
  const assumed = await assumedUnit(fs, flavour);
  const service = await loadService(fs, KUBELET_UNIT, {
    ...(options.exclude ? { exclude: options.exclude } : {}),
    ...(assumed ? { assumed } : {}),
  });
  const notes: string[] = [];
  if (!service) {
    return withFlags({
      flavour,
      unit: KUBELET_UNIT,
      args: [],
      notes,
      problems: [`no ${KUBELET_UNIT} unit on this node`],
    });
  }
  const guessed = service.sources.filter((s) => s.assumed).map((s) => s.path);
  if (guessed.length > 0) {
    notes.push(`not on this node, so assumed as packaged: ${guessed.join(", ")}`);
  }
  return withFlags({
    flavour,
    unit: KUBELET_UNIT,
    args: service.args,
    service,
    notes,
    problems: service.problems,
  });
}

function withFlags(line: KubeletCommandLine): KubeletCommandLine {
  const config = flagValue(line.args, CONFIG_FLAG);
  const binDir = flagValue(line.args, BIN_DIR_FLAG);
  return { ...line, ...(config ? { config } : {}), ...(binDir ? { binDir } : {}) };
}

/** The packaged kubelet unit of a flavour, for a node whose unit files are not there. */
async function assumedUnit(fs: NodeFs, flavour: Flavour): Promise<AssumedUnit | undefined> {
  switch (flavour) {
    case "kubeadm":
      return {
        main: PACKAGED_KUBELET_SERVICE,
        dropIns: [kubeadmDropIn(await kubeadmPackaging(fs))],
      };
    case "eks":
      return { main: EKS_KUBELET_SERVICE, dropIns: [] };
    default:
      return undefined;
  }
}
