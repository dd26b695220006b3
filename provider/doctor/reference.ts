import { normalizeImageName } from "../matching/image.js";

/** An image reference split the way the registry API needs it. */
export interface ImageReference {
  /** What the kubelet sends the plugin: `docker.io/library/busybox`. */
  name: string;
  /** `host[:port]` as in the image name: `docker.io`, `127.0.0.1:5000`. */
  host: string;
  /** The repository inside the registry: `library/busybox`. */
  repository: string;
  /** The tag or digest to look up; `latest` when the reference names neither, as docker pull does. */
  reference: string;
}

/** Parses `busybox:1.36`, `registry.local:5000/team/app@sha256:...` and the like. */
export function parseImageReference(text: string): ImageReference {
  const name = normalizeImageName(text);
  const at = text.indexOf("@");
  let reference = "latest";
  if (at >= 0) {
    reference = text.slice(at + 1);
  } else {
    const lastSlash = text.lastIndexOf("/");
    const colon = text.indexOf(":", lastSlash + 1);
    if (colon >= 0) reference = text.slice(colon + 1);
  }
  const slash = name.indexOf("/");
  return {
    name,
    host: name.slice(0, slash),
    repository: name.slice(slash + 1),
    reference,
  };
}

/** Docker Hub's API host: `docker.io` is a name, not a server (backends.md §A.6, containerd hosts.md). */
export const DOCKER_HUB_API = "registry-1.docker.io";

/** Whether a registry host is Docker Hub, whose rate-limit headers matter. */
export function isDockerHub(host: string): boolean {
  return host === "docker.io" || host === "index.docker.io" || host === DOCKER_HUB_API;
}

/**
 * The base URL of a registry's API. HTTPS everywhere except loopback hosts, which container
 * runtimes also reach over plain HTTP (Docker's default insecure range is 127.0.0.0/8).
 */
export function registryBaseUrl(host: string): string {
  if (isDockerHub(host)) return `https://${DOCKER_HUB_API}`;
  const bare = host.replace(/:\d+$/, "").replace(/^\[|\]$/g, "");
  const loopback = bare === "localhost" || bare === "::1" || /^127\.\d+\.\d+\.\d+$/.test(bare);
  return `${loopback ? "http" : "https"}://${host}`;
}
