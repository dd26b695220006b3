import type { ControlPlane } from "./control-plane.js";

/**
 * Pods of the cluster tier, created through the API server and scheduled onto the node: one
 * container of a registry image, on the host network (the node's CNI is loopback only), without
 * a mounted API token (the kubelet asks for the image-pull token itself, KEP-4412).
 */
export interface PodSpec {
  namespace: string;
  name: string;
  serviceAccount: string;
  image: string;
}

export function podManifest(pod: PodSpec): string {
  return `apiVersion: v1
kind: Pod
metadata:
  name: ${pod.name}
  namespace: ${pod.namespace}
spec:
  serviceAccountName: ${pod.serviceAccount}
  automountServiceAccountToken: false
  enableServiceLinks: false
  hostNetwork: true
  terminationGracePeriodSeconds: 1
  containers:
    - name: hello
      image: ${pod.image}
      imagePullPolicy: Always
`;
}

export async function runPod(plane: ControlPlane, pod: PodSpec): Promise<void> {
  await plane.kubectl(["apply", "-f", "-"], podManifest(pod));
}

export async function deletePod(plane: ControlPlane, pod: PodSpec): Promise<void> {
  await plane.kubectl(["delete", "pod", "-n", pod.namespace, pod.name, "--wait=false"]);
}

/** Resolves once the pod is Ready (its image pulled, its container running). */
export async function waitForPodReady(
  plane: ControlPlane,
  pod: PodSpec,
  timeoutSeconds = 60,
): Promise<void> {
  const res = await plane.kubectlStatus([
    "wait",
    "--for=condition=Ready",
    "-n",
    pod.namespace,
    `pod/${pod.name}`,
    `--timeout=${timeoutSeconds}s`,
  ]);
  if (res.status !== 0) {
    const describe = await plane.kubectlStatus(["describe", "pod", "-n", pod.namespace, pod.name]);
    throw new Error(`pod ${pod.namespace}/${pod.name} is not Ready:\n${describe.output}`);
  }
}

/** Resolves with the reason the container waits (ErrImagePull, ImagePullBackOff) once it does. */
export async function waitForPullFailure(
  plane: ControlPlane,
  pod: PodSpec,
  timeoutMs = 60_000,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const res = await plane.kubectlStatus([
      "get",
      "pod",
      "-n",
      pod.namespace,
      pod.name,
      "-o",
      "jsonpath={.status.containerStatuses[0].state.waiting.reason}",
    ]);
    if (/^(ErrImagePull|ImagePullBackOff)$/.test(res.output.trim())) return res.output.trim();
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`pod ${pod.namespace}/${pod.name} never failed its pull`);
}

/** The reasons of the pod's events, oldest first (Scheduled, Pulling, Failed, BackOff...). */
export async function podEvents(plane: ControlPlane, pod: PodSpec): Promise<string[]> {
  const out = await plane.kubectl([
    "get",
    "events",
    "-n",
    pod.namespace,
    "--field-selector",
    `involvedObject.name=${pod.name}`,
    "-o",
    "jsonpath={range .items[*]}{.reason}{'\\n'}{end}",
  ]);
  return out.split("\n").filter((line) => line !== "");
}
