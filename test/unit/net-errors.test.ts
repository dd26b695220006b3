import { describe, expect, it } from "vitest";
import { isCertificateProblem, networkWords, tlsWords } from "../../provider/net-errors.js";

// One reading of each failure code for Vault, AWS and pullkey doctor alike.
describe("what a failed connection's code means", () => {
  it.each([
    { code: "ECONNREFUSED", network: "connection refused", tls: undefined, cert: false },
    {
      code: "ECONNRESET",
      network: "connection reset by the other side",
      tls: undefined,
      cert: false,
    },
    {
      code: "EPIPE",
      network: "connection closed by the other side while sending",
      tls: undefined,
      cert: false,
    },
    { code: "ETIMEDOUT", network: "no answer in time", tls: undefined, cert: false },
    { code: "ENOTFOUND", network: "host not found", tls: undefined, cert: false },
    { code: "EAI_AGAIN", network: "DNS lookup failed", tls: undefined, cert: false },
    {
      code: "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
      network: undefined,
      tls: "certificate not trusted",
      cert: true,
    },
    {
      code: "DEPTH_ZERO_SELF_SIGNED_CERT",
      network: undefined,
      tls: "certificate not trusted",
      cert: true,
    },
    {
      code: "SELF_SIGNED_CERT_IN_CHAIN",
      network: undefined,
      tls: "certificate not trusted",
      cert: true,
    },
    {
      code: "ERR_TLS_CERT_ALTNAME_INVALID",
      network: undefined,
      tls: "certificate does not name this host",
      cert: true,
    },
    {
      code: "HOSTNAME_MISMATCH",
      network: undefined,
      tls: "certificate does not name this host",
      cert: true,
    },
    {
      code: "CERT_HAS_EXPIRED",
      network: undefined,
      tls: "certificate expired or not yet valid",
      cert: true,
    },
    { code: "CERT_REVOKED", network: undefined, tls: "certificate rejected", cert: true },
    {
      code: "ERR_SSL_WRONG_VERSION_NUMBER",
      network: undefined,
      tls: "TLS handshake failed (is it plain HTTP?)",
      cert: false,
    },
    {
      code: "EPROTO",
      network: undefined,
      tls: "TLS handshake failed (is it plain HTTP?)",
      cert: false,
    },
    { code: "EACCES", network: undefined, tls: undefined, cert: false },
    { code: "toString", network: undefined, tls: undefined, cert: false },
  ])("$code: $network / $tls", ({ code, network, tls, cert }) => {
    expect(networkWords(code)).toBe(network);
    expect(tlsWords(code)).toBe(tls);
    expect(isCertificateProblem(code)).toBe(cert);
  });
});
