import { PullkeyError } from "../errors.js";
import type { NodeFs } from "./fs.js";
import { hasRancherUnit } from "./rancher.js";
import { EKS_ENV, KUBEADM_DROP_IN, KUBEADM_FLAGS_ENV } from "./stock-units.js";
import { findUnitSources, UNIT_DIRS } from "./systemd.js";

/**
 * Which Kubernetes distribution runs the kubelet on this node (kubelet-protocol.md §6), from the
 * files alone, so `--root` trees stand in for nodes.
 */

export const FLAVOURS = ["kubeadm", "k3s", "rke2", "eks", "systemd"] as const;
export type Flavour = (typeof FLAVOURS)[number];

export const KUBELET_UNIT = "kubelet.service";
const EKS_CONFIG = "/etc/eks/image-credential-provider/config.json";

/** Guesses the flavour, most specific first; throws USAGE when nothing looks like a kubelet. */
export async function detectFlavour(fs: NodeFs): Promise<Flavour> {
  const flavour = await guessFlavour(fs);
  if (flavour) return flavour;
  throw new PullkeyError(
    "USAGE",
    `cannot tell which Kubernetes flavour this node runs (looked for ${EKS_ENV}, /etc/rancher/{rke2,k3s}, k3s/rke2 units, ${KUBEADM_FLAGS_ENV}, ${KUBELET_UNIT} in ${UNIT_DIRS.join(", ")}); pass --flavour ${FLAVOURS.join("|")}`,
  );
}

/** The flavour, or undefined when nothing on the node looks like a kubelet. */
export async function guessFlavour(fs: NodeFs): Promise<Flavour | undefined> {
  if ((await fs.kind(EKS_ENV)) || (await fs.kind(EKS_CONFIG))) return "eks";
  if ((await fs.kind("/etc/rancher/rke2")) || (await hasRancherUnit(fs, "rke2"))) return "rke2";
  if ((await fs.kind("/etc/rancher/k3s")) || (await hasRancherUnit(fs, "k3s"))) return "k3s";
  if (await fs.kind(KUBEADM_FLAGS_ENV)) return "kubeadm";
  const unit = await findUnitSources(fs, KUBELET_UNIT);
  if (unit.dropIns.some((d) => d.path.endsWith(`/${KUBEADM_DROP_IN}`))) return "kubeadm";
  if (unit.main) return "systemd";
  return undefined;
}

/** deb or rpm kubeadm packaging: which file 10-kubeadm.conf reads KUBELET_EXTRA_ARGS from. */
export async function kubeadmPackaging(fs: NodeFs): Promise<"deb" | "rpm"> {
  if (await fs.kind("/etc/redhat-release")) return "rpm";
  if (await fs.kind("/etc/debian_version")) return "deb";
  return (await fs.kind("/etc/sysconfig/kubelet")) && !(await fs.kind("/etc/default/kubelet"))
    ? "rpm"
    : "deb";
}
