/**
 * Node's errno codes for a call that got no answer, in the few words an operator needs. Shared
 * by the sources, so Vault and AWS say the same thing about the same failure. A reset or a
 * broken pipe means something answered and then dropped the connection (a proxy, a firewall,
 * a restarting backend): it must not read like a timeout.
 */
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

/** The words for a network error code, or undefined for a code not listed. */
export function networkWords(code: string): string | undefined {
  return Object.hasOwn(NETWORK_WORDS, code) ? NETWORK_WORDS[code] : undefined;
}
