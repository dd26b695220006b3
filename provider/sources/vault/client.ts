import { Agent } from "node:https";
// Must stay before node-vault: see the module.
import "./quiet-debug.js";
import nodeVault from "node-vault";
import { untilAborted } from "../../abort.js";
import { tlsWords } from "../../net-errors.js";

/**
 * The one module that touches node-vault, so its quirks stay here (backends.md §C):
 * - logins always get `mount_point`: without it `kubernetesLogin` posts to `/v1/auth//login`,
 *   which Vault 1.21.5+/2.x rejects (node-vault#300);
 * - `certLogin` has a fixed path and throws on any argument, so cert login is a plain write;
 * - no `headers` in the constructor's `requestOptions`: that object is shared and keeps the
 *   first `X-Vault-Token` forever;
 * - a timeout on every request (axios has none by default);
 * - TLS only through our own https.Agent: `rpDefaults.strictSSL` is pinned to true because
 *   node-vault turns verification off for any non-empty VAULT_SKIP_VERIFY, "false" included;
 * - token, namespace and path prefix are set by us after construction, since node-vault reads
 *   VAULT_TOKEN, VAULT_NAMESPACE and VAULT_PREFIX from process.env on its own;
 * - its debug logger is silenced: with DEBUG=node-vault it prints login bodies (tokens), and
 *   DEBUG is dropped before `debug` loads (quiet-debug.ts), as axios's follow-redirects prints
 *   request headers with it.
 */

/** Where and how to talk to Vault. */
export interface VaultClientOptions {
  /** http(s)://host[:port], no trailing slash. */
  address: string;
  namespace?: string | undefined;
  timeoutMs: number;
  /** PEM material already read from disk; only used for https addresses. */
  tls: {
    ca?: Uint8Array | undefined;
    cert?: Uint8Array | undefined;
    key?: Uint8Array | undefined;
    insecureSkipVerify: boolean;
  };
  signal: AbortSignal;
}

/** Any HTTP answer from Vault: the status and the parsed JSON body (a string if it was not JSON). */
export interface VaultResponse {
  status: number;
  body: unknown;
}

/** The login methods pullkey uses, by node-vault command. */
export type LoginMethod = "approle" | "jwt" | "kubernetes" | "cert";

/** A failure below HTTP: no answer at all. Carries only a code, never request data. */
export class VaultTransportError extends Error {
  readonly kind: "timeout" | "network" | "tls" | "aborted";
  /** Node or axios error code, e.g. ECONNREFUSED, UNABLE_TO_VERIFY_LEAF_SIGNATURE. */
  readonly code: string;

  constructor(kind: VaultTransportError["kind"], code: string) {
    super(`${kind} (${code})`);
    this.name = "VaultTransportError";
    this.kind = kind;
    this.code = code;
  }
}

/** The Vault calls a source makes; each resolves with the HTTP answer, whatever its status. */
export interface VaultClient {
  login(method: LoginMethod, mount: string, body: Record<string, string>): Promise<VaultResponse>;
  read(path: string, token: string): Promise<VaultResponse>;
  lookupSelf(token: string): Promise<VaultResponse>;
}

/** Creates a client for one exec. Construction is cheap (about a millisecond). */
export function createVaultClient(options: VaultClientOptions): VaultClient {
  const https = options.address.startsWith("https:");
  const httpsAgent = https
    ? new Agent({
        ...(options.tls.ca ? { ca: Buffer.from(options.tls.ca) } : {}),
        ...(options.tls.cert ? { cert: Buffer.from(options.tls.cert) } : {}),
        ...(options.tls.key ? { key: Buffer.from(options.tls.key) } : {}),
        rejectUnauthorized: !options.tls.insecureSkipVerify,
      })
    : undefined;
  const vault = nodeVault({
    apiVersion: "v1",
    endpoint: options.address,
    debug: () => {},
    requestOptions: {
      timeout: options.timeoutMs,
      ...(httpsAgent ? { httpsAgent } : {}),
    },
    // Not in node-vault's types; without it VAULT_SKIP_VERIFY decides verification.
    ...({ rpDefaults: { strictSSL: true } } as object),
  });
  const client = vault as unknown as {
    token: string | undefined;
    namespace: string | undefined;
    pathPrefix: string;
  };
  client.namespace = options.namespace;
  client.pathPrefix = "";

  async function call(token: string | undefined, run: () => Promise<unknown>) {
    client.token = token;
    try {
      return await untilAborted(
        run(),
        options.signal,
        () => new VaultTransportError("aborted", "ABORTED"),
      );
    } catch (err) {
      throw toTransportError(err, options.signal);
    } finally {
      client.token = undefined;
    }
  }

  return {
    async login(method, mount, body) {
      return answer(() => {
        switch (method) {
          case "approle":
            return vault.approleLogin({ ...body, mount_point: mount });
          case "jwt":
            return vault.jwtLogin({ ...body, mount_point: mount });
          case "kubernetes":
            return vault.kubernetesLogin({ ...body, mount_point: mount });
          case "cert":
            return vault.write(`auth/${mount}/login`, body);
        }
      }, undefined);
    },
    read(path, token) {
      return answer(() => vault.read(path), token);
    },
    lookupSelf(token) {
      return answer(() => vault.tokenLookupSelf(), token);
    },
  };

  // node-vault rejects every status but 200/204; its ApiResponseError still has the answer.
  async function answer(
    run: () => Promise<unknown>,
    token: string | undefined,
  ): Promise<VaultResponse> {
    try {
      return { status: 200, body: await call(token, run) };
    } catch (err) {
      const response = (err as { response?: { statusCode?: unknown; body?: unknown } }).response;
      if (!(err instanceof VaultTransportError) && typeof response?.statusCode === "number") {
        return { status: response.statusCode, body: response.body };
      }
      throw err;
    }
  }
}

/**
 * Keeps only the code of a transport error. axios errors carry the request config, headers
 * (X-Vault-Token) and body (a JWT) with them, so the original object is dropped on purpose.
 */
function toTransportError(err: unknown, signal: AbortSignal): unknown {
  if (err instanceof VaultTransportError) return err;
  const response = (err as { response?: { statusCode?: unknown } } | null)?.response;
  if (typeof response?.statusCode === "number") return err;
  if (signal.aborted) return new VaultTransportError("aborted", "ABORTED");
  const code = String((err as { code?: unknown } | null)?.code ?? "UNKNOWN");
  if (code === "ECONNABORTED" || code === "ETIMEDOUT") {
    return new VaultTransportError("timeout", code);
  }
  if (tlsWords(code) !== undefined) return new VaultTransportError("tls", code);
  return new VaultTransportError("network", code);
}
