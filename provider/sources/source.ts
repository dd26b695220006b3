/**
 * The one interface every credential source implements. Sources know nothing of the kubelet
 * protocol: they are asked for the credential for one registry and answer with it.
 */

/** A registry credential. An empty username is valid (token registries). */
export interface RegistryCredential {
  username: string;
  password: string;
  /** When the backend says the credential stops working; caps the kubelet's cache duration. */
  expiresAt?: Date;
}

/** What a source is told about the pull it serves. */
export interface FetchContext {
  /** Repository without tag or digest, as the kubelet sent it. */
  image: string;
  /** The image's `host[:port]`. */
  registry: string;
  /** Aborts when the exec's deadline passes. */
  signal: AbortSignal;
  /**
   * KEP-4412: the pod's service account token and the annotations the kubelet config lets
   * through, present only when the kubelet's provider has `tokenAttributes`. Never log either.
   */
  serviceAccount?: ServiceAccountContext;
}

/** What the kubelet passes about the pod's service account (request apiVersion v1 only). */
export interface ServiceAccountContext {
  token: string;
  annotations: Readonly<Record<string, string>>;
}

/** A configured source, ready to fetch. */
export interface CredentialSource {
  /** Names the source and its location for error lines, e.g. `dockerConfig /etc/pullkey/docker.json`. */
  readonly description: string;
  fetch(context: FetchContext): Promise<RegistryCredential>;
}

/** Injected I/O shared by all sources; real defaults live in the command layer. */
export interface SourceDeps {
  /** The folder of the config file: relative paths in a source resolve against it. */
  baseDir: string;
  readFile(path: string): Promise<Uint8Array>;
  env: Readonly<Record<string, string | undefined>>;
  now(): Date;
  /** Root-only folder for state that outlives one exec (e.g. a reusable login token). */
  stateDir: string;
}
