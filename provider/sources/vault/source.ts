import { resolve } from "node:path";
import { PullkeyError } from "../../errors.js";
import { readNamedFile } from "../../files.js";
import { parseConfigDuration } from "../../gocompat/duration.js";
import type { CredentialSource, SourceDeps } from "../source.js";
import { VAULT_ADDRESS_RE } from "./address.js";
import { type Credentials, gatherCredentials, loginResult } from "./auth.js";
import {
  createVaultClient,
  type VaultClient,
  type VaultResponse,
  VaultTransportError,
} from "./client.js";
import { describeAuth } from "./describe.js";
import { type CallSite, httpFailure, notVaultAnswer, transportFailure } from "./errors.js";
import { kvCredential, kvReadPath, kvSecret } from "./kv.js";
import { serviceAccountIdentity } from "./service-account.js";
import type { VaultSpec } from "./spec.js";
import { parsePathTemplate, renderPathTemplate, usesServiceAccount } from "./template.js";
import { reuseUntil, TokenStore } from "./token-store.js";

/** Standard Vault client variables (as Vault's CLI reads them), read at call time. */
export const VAULT_ADDR_ENV = "VAULT_ADDR";
export const VAULT_NAMESPACE_ENV = "VAULT_NAMESPACE";
export const VAULT_CACERT_ENV = "VAULT_CACERT";

/** Per-request timeout unless the config says otherwise; four calls fit the 20 s exec budget. */
export const DEFAULT_TIMEOUT_MS = 5_000;

// A token that does not expire (ttl 0) is still not kept for ever: log in again hourly.
const NON_EXPIRING_REUSE_MS = 3_600_000;

/**
 * A source that reads a registry credential from a Vault KV secret, logging in with the
 * configured auth method. Login tokens are kept between execs (see TokenStore), so steady state
 * is one KV read per kubelet cache period.
 */
export function vaultSource(spec: VaultSpec, deps: SourceDeps): CredentialSource {
  const address = resolveAddress(spec, deps.env);
  const template = parsePathTemplate(spec.secret.path);
  if (typeof template === "string") {
    throw new PullkeyError("CONFIG_INVALID", `vault secret.path ${template}`);
  }
  const auth = describeAuth(spec.auth);
  if (spec.auth.method === "cert" && !address.startsWith("https:")) {
    throw new PullkeyError(
      "CONFIG_INVALID",
      `vault cert auth presents a client certificate in the TLS handshake, so the address must be https, not ${address}`,
    );
  }
  const needsAccount =
    usesServiceAccount(template) || ("serviceAccount" in spec.auth && spec.auth.serviceAccount);
  return {
    description: `vault ${address} ${spec.secret.mount}/${spec.secret.path}`,
    async fetch(context) {
      // The pod's identity is read only when the path or the login uses it.
      const account =
        needsAccount && context.serviceAccount
          ? {
              context: context.serviceAccount,
              identity: serviceAccountIdentity(context.serviceAccount.token),
            }
          : undefined;
      const path = renderPathTemplate(
        template,
        account && {
          namespace: account.identity.namespace,
          serviceAccount: account.identity.name,
          annotations: account.context.annotations,
        },
      );
      const readPath = kvReadPath(spec.secret, path);
      const timeoutMs = parseConfigDuration(spec.timeout ?? "") ?? DEFAULT_TIMEOUT_MS;
      const tls = address.startsWith("https:") ? await readTls(spec, deps) : {};
      const namespace = resolveNamespace(spec, deps.env);
      const client = createVaultClient({
        address,
        namespace,
        timeoutMs,
        tls: { ...tls, insecureSkipVerify: spec.tls?.insecureSkipVerify === true },
        signal: context.signal,
      });
      const credentials = await gatherCredentials(spec.auth, deps, account, tls);
      const site = (action: string): CallSite => ({ address, action, auth, timeoutMs });
      const readSite = site(`reading ${readPath}`);
      const session = new Session(client, credentials, deps, site(`logging in with ${auth}`), {
        address,
        namespace: namespace ?? null,
      });

      let token = await session.token();
      let response = await call(readSite, () => client.read(readPath, token.value));
      if (response.status === 403 && token.reused) {
        // The stored token may have been revoked or lost its policies: log in afresh, once.
        await session.forget();
        token = await session.token();
        response = await call(readSite, () => client.read(readPath, token.value));
      }
      if (response.status === 403 && credentials.kind === "token") {
        // A bad token and a denied path both give 403; lookup-self tells which (only on failure).
        const self = await call(readSite, () => client.lookupSelf(token.value));
        if (self.status === 403) {
          throw new PullkeyError(
            "SOURCE_AUTH_FAILED",
            `Vault ${address} does not accept the ${auth} (403 on lookup-self): it is invalid, expired or revoked`,
          );
        }
      }
      const kv = kvSecret(spec.secret, response, readSite);
      return kvCredential(
        spec.secret,
        kv,
        context.registry,
        `Vault secret ${readPath}`,
        deps.now(),
      );
    },
  };
}

/** Logs in at most once per exec, reusing a stored token when one is still good. */
class Session {
  readonly #store: TokenStore;
  readonly #name: string | undefined;

  constructor(
    private readonly client: VaultClient,
    private readonly credentials: Credentials,
    private readonly deps: SourceDeps,
    private readonly site: CallSite,
    where: Record<string, unknown>,
  ) {
    this.#store = new TokenStore(deps.stateDir, deps.now);
    this.#name =
      credentials.kind === "login"
        ? TokenStore.keyName({ ...where, ...credentials.identity })
        : undefined;
  }

  async token(): Promise<{ value: string; reused: boolean }> {
    if (this.credentials.kind === "token") return { value: this.credentials.token, reused: false };
    const name = this.#name as string;
    const stored = await this.#store.load(name);
    if (stored) return { value: stored.token, reused: true };
    const { method, mount, body } = this.credentials;
    const response = await call(this.site, () => this.client.login(method, mount, body));
    if (response.status !== 200 && response.status !== 204) {
      throw httpFailure(response, this.site, "login");
    }
    const result = loginResult(response);
    if (!result) throw notVaultAnswer(this.site);
    // A token with a use limit would run out in the store; use it for this exec only.
    if (!result.limitedUses) {
      const now = this.deps.now().getTime();
      await this.#store.save(name, {
        token: result.token,
        reuseUntil:
          result.ttlSeconds > 0 ? reuseUntil(now, result.ttlSeconds) : now + NON_EXPIRING_REUSE_MS,
        expiresAt:
          result.ttlSeconds > 0 ? now + result.ttlSeconds * 1000 : now + NON_EXPIRING_REUSE_MS,
      });
    }
    return { value: result.token, reused: false };
  }

  async forget(): Promise<void> {
    if (this.#name) await this.#store.drop(this.#name);
  }
}

async function call(site: CallSite, run: () => Promise<VaultResponse>): Promise<VaultResponse> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof VaultTransportError) throw transportFailure(err, site);
    throw err;
  }
}

/** The address from the config, else VAULT_ADDR; never from the request. */
function resolveAddress(spec: VaultSpec, env: SourceDeps["env"]): string {
  const address = spec.address ?? env[VAULT_ADDR_ENV];
  if (!address) {
    throw new PullkeyError(
      "CONFIG_INVALID",
      `vault source has no address: set address in the config or ${VAULT_ADDR_ENV} in the kubelet's environment`,
    );
  }
  if (!VAULT_ADDRESS_RE.test(address)) {
    throw new PullkeyError(
      "CONFIG_INVALID",
      `vault address from ${spec.address ? "the config" : VAULT_ADDR_ENV} is not http(s)://host[:port]`,
    );
  }
  return address.replace(/\/$/, "");
}

function resolveNamespace(spec: VaultSpec, env: SourceDeps["env"]): string | undefined {
  const namespace = spec.namespace ?? env[VAULT_NAMESPACE_ENV];
  return namespace ? namespace.replace(/\/+$/, "") : undefined;
}

async function readTls(
  spec: VaultSpec,
  deps: SourceDeps,
): Promise<{ ca?: Uint8Array; cert?: Uint8Array; key?: Uint8Array }> {
  const read = (path: string, what: string) =>
    readNamedFile(deps.readFile, resolve(deps.baseDir, path), what, "SOURCE_UNREADABLE");
  const caFile = spec.tls?.caFile ?? deps.env[VAULT_CACERT_ENV];
  const { certFile, keyFile } = spec.tls ?? {};
  return {
    ...(caFile ? { ca: await read(caFile, "Vault CA bundle") } : {}),
    ...(certFile ? { cert: await read(certFile, "Vault client certificate") } : {}),
    ...(keyFile ? { key: await read(keyFile, "Vault client key") } : {}),
  };
}
