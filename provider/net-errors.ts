/**
 * What a failed connection's error code means, written once for every caller (the Vault and AWS
 * sources, pullkey doctor), so the same failure reads the same everywhere. Codes are Node's errno
 * codes and the OpenSSL verify and handshake codes Node's TLS layer reports.
 */

// A reset or a broken pipe means something answered and then dropped the connection (a proxy, a
// firewall, a restarting backend): it must not read like a timeout.
const NETWORK_WORDS: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset by the other side",
  EPIPE: "connection closed by the other side while sending",
  ECONNABORTED: "connection aborted",
  ETIMEDOUT: "no answer in time",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "DNS lookup failed",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
};

/** The words for a network error code, or undefined for a code that is not a network failure. */
export function networkWords(code: string): string | undefined {
  return Object.hasOwn(NETWORK_WORDS, code) ? NETWORK_WORDS[code] : undefined;
}

// Node's TLS failures: OpenSSL verify errors (CERT_*, UNABLE_TO_*, DEPTH_ZERO_SELF_SIGNED_CERT,
// SELF_SIGNED_CERT_IN_CHAIN, HOSTNAME_MISMATCH), Node's own checks (ERR_TLS_*), handshake
// failures (ERR_SSL_*, and EPROTO, which is what a TLS client gets from a plain-HTTP port).
const TLS_CODE =
  /^(?:CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_|ERR_TLS_|ERR_SSL_|EPROTO$)/;

/** What went wrong in TLS, in words; undefined when the code is not a TLS failure. */
export function tlsWords(code: string): string | undefined {
  if (!TLS_CODE.test(code)) return undefined;
  if (/^(?:UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_)/.test(code)) return "certificate not trusted";
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID" || code === "HOSTNAME_MISMATCH") {
    return "certificate does not name this host";
  }
  if (code === "CERT_HAS_EXPIRED" || code === "CERT_NOT_YET_VALID") {
    return "certificate expired or not yet valid";
  }
  if (code.startsWith("CERT_")) return "certificate rejected";
  return "TLS handshake failed (is it plain HTTP?)";
}

/** Whether a TLS failure is about the server's certificate (trust, name, dates), not the handshake. */
export function isCertificateProblem(code: string): boolean {
  return tlsWords(code)?.startsWith("certificate") ?? false;
}
