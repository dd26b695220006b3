/** The paths of the node tier's peers. */
export interface NodePeers {
  containerd: string;
  ctr: string;
  registry: string;
  /** The static program the tier's images run. */
  imageProgram: string;
  crane: string;
  kubelet: string;
}

export const IMAGE_PROGRAM_SOURCE: string;
export function kubeletVersion(): string;
export function craneVersion(): string;
export function nodeTierUnsupported(): Promise<string | undefined>;
export function ensureNodePeers(): Promise<NodePeers>;
export function ensureKubelet(): Promise<string>;
export function ensureCrane(): Promise<string>;
export function ensureImageProgram(): Promise<string>;
