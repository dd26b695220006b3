/**
 * The kubelet's credential provider exec API (k8s.io/kubelet/pkg/apis/credentialprovider).
 * All three versions share one shape; v1 adds the service account fields of KEP-4412.
 */
export const API_GROUP = "credentialprovider.kubelet.k8s.io";

/** Versions the kubelet (v1.34–v1.37) still accepts, newest first. */
export const API_VERSIONS = [
  `${API_GROUP}/v1`,
  `${API_GROUP}/v1beta1`,
  `${API_GROUP}/v1alpha1`,
] as const;

export type ApiVersion = (typeof API_VERSIONS)[number];

/** Tells whether a string is one of the API versions the kubelet speaks. */
export function isApiVersion(value: unknown): value is ApiVersion {
  return typeof value === "string" && (API_VERSIONS as readonly string[]).includes(value);
}

export const REQUEST_KIND = "CredentialProviderRequest";
export const RESPONSE_KIND = "CredentialProviderResponse";

/** What the kubelet sends on stdin. */
export interface CredentialProviderRequest {
  apiVersion: ApiVersion;
  /** Repository without tag or digest, as the kubelet normalised it: `docker.io/library/busybox`. */
  image: string;
  /** v1 only, KEP-4412: the pod's service account token for the configured audience. */
  serviceAccountToken?: string;
  /** v1 only: the service account annotations the kubelet config allows through. */
  serviceAccountAnnotations?: Record<string, string>;
}

/**
 * How the kubelet caches the answer: per image, per registry host, or for everything. Any other
 * value makes the kubelet discard the response.
 */
export type CacheKeyType = "Image" | "Registry" | "Global";

/** One `auth` entry: the kubelet's AuthConfig has exactly these two fields. */
export interface AuthConfig {
  username: string;
  password: string;
}

/** What pullkey prints on stdout. */
export interface CredentialProviderResponse {
  apiVersion: ApiVersion;
  cacheKeyType: CacheKeyType;
  /** A Go duration string; the kubelet's metav1.Duration refuses numbers. */
  cacheDuration: string;
  auth: Record<string, AuthConfig>;
}
