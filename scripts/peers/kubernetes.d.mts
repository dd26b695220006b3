/** The paths of one Kubernetes build's binaries. */
export interface KubernetesBinaries {
  "kube-apiserver": string;
  "kube-controller-manager": string;
  "kube-scheduler": string;
  kubectl: string;
  kubelet: string;
  etcd: string;
}

export function kubernetesVersion(): string;
export function etcdVersion(): string;
export function requiredVersion(module: string): string;
export function kubernetesDir(): string;
export function versionLdflags(version?: string): string;
export function ensureKubernetes(): Promise<KubernetesBinaries>;
