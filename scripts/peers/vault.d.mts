/** Files of the test PKI made for a Vault peer. */
export interface TestPki {
  caFile: string;
  serverCertFile: string;
  serverKeyFile: string;
  clientCertFile: string;
  clientKeyFile: string;
}

/** A Vault-API server the suites run against. */
export type VaultServer = "openbao" | "vault";

/** A running dev-mode Vault or OpenBao. */
export interface VaultPeer {
  server: VaultServer;
  /** Plain HTTP listener, e.g. http://127.0.0.1:41234. */
  address: string;
  /** TLS listener signed by `pki.caFile`; it asks for (but does not require) client certs. */
  tlsAddress: string;
  rootToken: string;
  /** The peer's scratch folder (PKI, config); removed by stop(). */
  dir: string;
  pki: TestPki;
  /** The file audit device's log: one JSON line per request and response. */
  auditLog: string;
  stop(): Promise<void>;
  /** What the server printed so far. */
  logs(): string;
}

export const VAULT_VERSION: string;
export const PEER_CACHE_ENV: string;
export const VAULT_ROOT_TOKEN: string;
export function vaultBinaryPath(version?: string): string;
export function ensureVault(options?: { version?: string }): Promise<string>;
export function freePort(): Promise<number>;
export function makeTestPki(dir: string): Promise<TestPki>;
export const VAULT_SERVER_ENV: string;
export const PEERS_ENV: string;
export function vaultServers(): VaultServer[];
export function selectedVaultServer(): VaultServer;
export function ensureVaultServer(server?: VaultServer): Promise<string>;
export function startVault(options?: {
  server?: VaultServer;
  binary?: string;
  rootToken?: string;
}): Promise<VaultPeer>;
