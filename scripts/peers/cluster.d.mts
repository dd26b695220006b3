import type { KubernetesBinaries } from "./kubernetes.mjs";
import type { NodePeers } from "./node.mjs";

/** The paths of the cluster tier's peers: the node tier's, the Kubernetes build, CNI loopback. */
export interface ClusterPeers extends NodePeers {
  kubernetes: KubernetesBinaries;
  cniLoopback: string;
}

export const CNI_LOOPBACK: string;
export function nodeIp(): string | undefined;
export function clusterTierUnsupported(): Promise<string | undefined>;
export function ensureClusterPeers(): Promise<ClusterPeers>;
