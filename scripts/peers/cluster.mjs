// The peers of the cluster tier (test/cluster): the node tier's (containerd, runc, the registry,
// crane, the image program), the Kubernetes build (kubernetes.mjs: the control plane, kubectl,
// the kubelet and etcd) and the CNI loopback plugin from Debian's containernetworking-plugins,
// which gives the node the network config it needs to become Ready.
import { networkInterfaces } from "node:os";
import { pathToFileURL } from "node:url";
import { ensureDebianPackages } from "./debian.mjs";
import { ensureKubernetes } from "./kubernetes.mjs";
import { ensureNodePeers, nodeTierUnsupported } from "./node.mjs";

/** Where Debian's containernetworking-plugins puts the loopback plugin. */
export const CNI_LOOPBACK = "/usr/lib/cni/loopback";

/**
 * The machine's first non-loopback IPv4 address, or undefined. The kubelet refuses a loopback
 * node IP; traffic to this address stays on the machine.
 */
export function nodeIp() {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) {
      if (a.family === "IPv4" && !a.internal && !a.address.startsWith("169.254.")) return a.address;
    }
  }
  return undefined;
}

/** Why this machine cannot run the cluster tier, or undefined when it can. */
export async function clusterTierUnsupported() {
  const node = await nodeTierUnsupported();
  if (node) return node.replace("the node tier", "the cluster tier");
  if (!nodeIp()) {
    return "no non-loopback IPv4 address (the kubelet refuses a loopback node IP)";
  }
  return undefined;
}

/** Every peer of the cluster tier, installed or built on first use; resolves with their paths. */
export async function ensureClusterPeers() {
  await ensureDebianPackages([{ binary: CNI_LOOPBACK, pkg: "containernetworking-plugins" }], {
    why: "the cluster tier's loopback network",
  });
  const node = await ensureNodePeers();
  const kubernetes = await ensureKubernetes();
  return { ...node, kubernetes, cniLoopback: CNI_LOOPBACK };
}

// `node scripts/peers/cluster.mjs` provisions every cluster-tier peer and prints their paths.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const unsupported = await clusterTierUnsupported();
  if (unsupported) process.stdout.write(`cluster tier unsupported here: ${unsupported}\n`);
  else process.stdout.write(`${JSON.stringify(await ensureClusterPeers(), null, 2)}\n`);
}
