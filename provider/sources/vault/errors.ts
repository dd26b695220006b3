import { type ErrorCode, oneLine, PullkeyError } from "../../errors.js";
import { formatGoDuration } from "../../gocompat/duration.js";
import { isCertificateProblem, networkWords } from "../../net-errors.js";
import type { VaultResponse, VaultTransportError } from "./client.js";

/** What a failing call was doing, for the one error line: address, auth and path, never a token. */
export interface CallSite {
  address: string;
  /** `logging in (appRole at auth/approle)` or `reading secret/data/dockerhub`. */
  action: string;
  /** How pullkey authenticated, e.g. `kubernetes role "pull" at auth/kubernetes`. */
  auth: string;
  timeoutMs: number;
}

/** The `errors` of a Vault error body as one short line ("" when there are none). */
export function vaultMessages(body: unknown): string {
  const errors = (body as { errors?: unknown } | null)?.errors;
  if (!Array.isArray(errors)) return "";
  const text = oneLine(errors.filter((e) => typeof e === "string").join("; "));
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/** Maps a call that got no HTTP answer to its error code and line. */
export function transportFailure(err: VaultTransportError, site: CallSite): PullkeyError {
  const at = `Vault ${site.address}`;
  switch (err.kind) {
    case "aborted":
      return new PullkeyError(
        "DEADLINE_EXCEEDED",
        `${at}: the exec's time budget ran out while ${site.action}`,
      );
    case "timeout":
      return new PullkeyError(
        "SOURCE_UNREACHABLE",
        `${at} did not answer within ${formatGoDuration(site.timeoutMs)} while ${site.action} (timeout)`,
      );
    case "tls": {
      const hint = isCertificateProblem(err.code)
        ? "; trust Vault's CA with tls.caFile or VAULT_CACERT, and check the certificate names the address"
        : "";
      return new PullkeyError(
        "SOURCE_TLS",
        `TLS to ${at} failed while ${site.action}: ${err.code}${hint}`,
      );
    }
    case "network":
      return new PullkeyError(
        "SOURCE_UNREACHABLE",
        `cannot reach ${at} while ${site.action}: ${networkWords(err.code) ?? "network error"} (${err.code})`,
      );
  }
}

/**
 * Maps a non-success HTTP answer (Vault API docs, "HTTP status codes"). Failed logins are 400
 * for AppRole and JWT and 403 for Kubernetes auth; on reads 403 means the token's policies do
 * not allow the path (or the token is no longer valid).
 */
export function httpFailure(
  response: VaultResponse,
  site: CallSite,
  call: "login" | "read",
): PullkeyError {
  const at = `Vault ${site.address}`;
  const said = vaultMessages(response.body);
  const detail = said === "" ? "" : `: ${said}`;
  const { status } = response;
  let code: ErrorCode;
  let text: string;
  if (call === "login" && (status === 400 || status === 401 || status === 403)) {
    code = "SOURCE_AUTH_FAILED";
    text = `${at} rejected the login (${status}) with ${site.auth}${detail}`;
  } else if (status === 403) {
    code = "SOURCE_DENIED";
    text = `${at}: permission denied (403) ${site.action} as ${site.auth}; the role's policies must allow "read" on that path`;
  } else if (status === 404) {
    code = "SOURCE_NOT_FOUND";
    text = `${at}: nothing at that path (404) while ${site.action}${call === "login" ? "; is the auth method mounted there?" : ""}`;
  } else if (status === 503) {
    code = "SOURCE_UNAVAILABLE";
    text = `${at} is sealed or in maintenance (503) while ${site.action}${detail}`;
  } else if (status === 429) {
    code = "SOURCE_UNAVAILABLE";
    text = `${at} rate-limited pullkey (429) while ${site.action}${detail}`;
  } else {
    code = "SOURCE_UNAVAILABLE";
    text = `${at} answered ${status} while ${site.action}${detail}`;
  }
  return new PullkeyError(code, text);
}

/** A 200 whose body is not a Vault JSON object: something else is answering at the address. */
export function notVaultAnswer(site: CallSite): PullkeyError {
  return new PullkeyError(
    "SOURCE_UNAVAILABLE",
    `Vault ${site.address} answered with something that is not a Vault JSON response while ${site.action}; is a proxy or another service at that address?`,
  );
}
