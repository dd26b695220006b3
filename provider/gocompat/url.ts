import { goQuoteBytes } from "./quote.js";
import { type GoBytes, type GoResult, goBytes, goText } from "./result.js";

/**
 * The kubelet's view of an image or a `matchImages` pattern: ParseSchemelessURL, which is Go's
 * `url.Parse("https://" + s)`, then SplitURL (k8s.io/kubernetes pkg/credentialprovider
 * keyring.go). Follows net/url of Go 1.26, the toolchain of the kubelet 1.37 and of the
 * conformance harness (strict colons in https hosts, go.dev/issue/75223).
 */
export interface SchemelessUrl {
  /** `host[:port]` as Go's url.URL.Host holds it (unescaped), as text. */
  host: string;
  /** The host name split on dots (port removed when net.SplitHostPort accepts it), as Go bytes. */
  labels: GoBytes[];
  /** Port text, empty when absent. */
  port: string;
  /** The unescaped path as Go bytes, `""` when absent; the kubelet compares it as a prefix. */
  path: GoBytes;
}

/** Parses like the kubelet's ParseSchemelessURL, with Go's error text where Go fails. */
export function parseSchemeless(text: string): GoResult<SchemelessUrl> {
  const raw = goBytes(`https://${text}`);
  const hashAt = raw.indexOf("#");
  const beforeFragment = hashAt < 0 ? raw : raw.slice(0, hashAt);
  const parsed = parseUrl(beforeFragment);
  if ("error" in parsed) return { error: `parse ${goQuoteBytes(beforeFragment)}: ${parsed.error}` };
  const fragment = hashAt < 0 ? "" : raw.slice(hashAt + 1);
  if (fragment !== "") {
    const checked = goUnescape(fragment, "fragment");
    if ("error" in checked) return { error: `parse ${goQuoteBytes(raw)}: ${checked.error}` };
  }
  const { host, path } = parsed.value;
  const split = splitHostPort(host);
  const name = "error" in split ? host : split.value.host;
  return {
    value: {
      host: goText(host),
      labels: name.split("."),
      port: "error" in split ? "" : split.value.port,
      path,
    },
  };
}

/** Go's url.parse for an https URL without its fragment: the host and the unescaped path. */
function parseUrl(url: GoBytes): GoResult<{ host: GoBytes; path: GoBytes }> {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: Go rejects exactly these bytes
  if (/[\u0000-\u001f\u007f]/.test(url))
    return { error: "net/url: invalid control character in URL" };
  let rest = url.slice("https:".length);
  const queryAt = rest.indexOf("?");
  // A lone trailing "?" is ForceQuery; otherwise the query is cut off. Neither reaches the path.
  if (queryAt >= 0) rest = rest.slice(0, queryAt);
  let authority = rest.slice(2);
  let path = "";
  const slash = authority.indexOf("/");
  if (slash >= 0) {
    path = authority.slice(slash);
    authority = authority.slice(0, slash);
  }
  const at = authority.lastIndexOf("@");
  const host = parseHost(at < 0 ? authority : authority.slice(at + 1));
  if ("error" in host) return host;
  if (at >= 0) {
    const userinfo = authority.slice(0, at);
    if (!/^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(userinfo)) {
      return { error: "net/url: invalid userinfo" };
    }
    // User and password are unescaped separately, each failing on a bad escape (`u%zz@host`).
    const colon = userinfo.indexOf(":");
    const parts = colon < 0 ? [userinfo] : [userinfo.slice(0, colon), userinfo.slice(colon + 1)];
    for (const part of parts) {
      const checked = goUnescape(part, "userinfo");
      if ("error" in checked) return checked;
    }
  }
  const unescapedPath = goUnescape(path, "path");
  if ("error" in unescapedPath) return unescapedPath;
  return { value: { host: host.value, path: unescapedPath.value } };
}

/**
 * Go's url.parseHost: a `[` may only open an IPv6 literal at the start, which must hold an IPv6
 * address (not IPv4); otherwise an https host may hold one colon, before the port. So a glob
 * class such as `eu[0-9].example.com` never parses, and never matches.
 */
function parseHost(host: GoBytes): GoResult<GoBytes> {
  const open = host.lastIndexOf("[");
  if (open > 0) return { error: "invalid IP-literal" };
  if (open === 0) {
    const close = host.lastIndexOf("]");
    if (close < 0) return { error: "missing ']' in host" };
    const colonPort = host.slice(close + 1);
    if (!validOptionalPort(colonPort)) return invalidPort(colonPort);
    const literal = host.slice(1, close);
    const zoneAt = literal.indexOf("%25");
    const address = goUnescape(zoneAt < 0 ? literal : literal.slice(0, zoneAt), "host");
    if ("error" in address) return address;
    const zone = zoneAt < 0 ? { value: "" } : goUnescape(literal.slice(zoneAt), "zone");
    if ("error" in zone) return zone;
    // netip.ParseAddr: an IPv6 address, with a non-empty zone after "%" if any; IPv4 is refused.
    // node:net is loaded here, not imported: it brings streams and sockets with it, which only
    // this rare bracketed host needs, and every exec parses image names.
    const { isIPv6 } = process.getBuiltinModule("node:net");
    if (!isIPv6(address.value) || zone.value === "%") {
      return { error: `invalid host: ${goQuoteBytes(address.value + zone.value)} is not IPv6` };
    }
    return { value: `[${address.value}${zone.value}]${colonPort}` };
  }
  const colon = host.indexOf(":");
  if (colon >= 0 && !validOptionalPort(host.slice(colon))) return invalidPort(host.slice(colon));
  return goUnescape(host, "host");
}

function validOptionalPort(port: GoBytes): boolean {
  return port === "" || /^:[0-9]*$/.test(port);
}

function invalidPort(colonPort: GoBytes): { error: string } {
  return { error: `invalid port ${goQuoteBytes(colonPort)} after host` };
}

// ASCII bytes Go's shouldEscape lets through in a host or zone: unreserved, sub-delims, : [ ] < > ".
const HOST_OK = /^[A-Za-z0-9\-._~!$&'()*+,;=:[\]<>"]$/;

/**
 * Go's url.unescape in host, zone, userinfo, path and fragment modes. One pass to check, one to
 * decode: linear in the input, so a megabyte-long image name costs milliseconds.
 */
function goUnescape(
  text: GoBytes,
  mode: "host" | "zone" | "userinfo" | "path" | "fragment",
): GoResult<GoBytes> {
  const hostLike = mode === "host" || mode === "zone";
  let escapes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x25) {
      if (
        i + 2 >= text.length ||
        !isHex(text.charCodeAt(i + 1)) ||
        !isHex(text.charCodeAt(i + 2))
      ) {
        return { error: `invalid URL escape ${goQuoteBytes(text.slice(i, i + 3))}` };
      }
      const triplet = text.slice(i, i + 3);
      const byte = (unhex(text.charCodeAt(i + 1)) << 4) | unhex(text.charCodeAt(i + 2));
      // RFC 3986: a host escapes only non-ASCII bytes, and %25 (RFC 6874, before a zone). A zone
      // may escape only what it could hold unescaped (and a space).
      if (mode === "host" && byte < 0x80 && triplet !== "%25") return badEscape(triplet);
      if (mode === "zone" && triplet !== "%25" && byte !== 0x20 && !hostByteOk(byte)) {
        return badEscape(triplet);
      }
      escapes++;
      i += 2;
    } else if (hostLike && c < 0x80 && !hostByteOk(c)) {
      return { error: `invalid character ${goQuoteBytes(text[i] ?? "")} in host name` };
    }
  }
  if (escapes === 0) return { value: text };
  const parts: string[] = [];
  let from = 0;
  for (let at = text.indexOf("%"); at >= 0; at = text.indexOf("%", from)) {
    const byte = (unhex(text.charCodeAt(at + 1)) << 4) | unhex(text.charCodeAt(at + 2));
    parts.push(text.slice(from, at), String.fromCharCode(byte));
    from = at + 3;
  }
  parts.push(text.slice(from));
  return { value: parts.join("") };
}

function badEscape(triplet: GoBytes): { error: string } {
  return { error: `invalid URL escape ${goQuoteBytes(triplet)}` };
}

function hostByteOk(byte: number): boolean {
  return byte < 0x80 && HOST_OK.test(String.fromCharCode(byte));
}

function unhex(c: number): number {
  return c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x61 + 10;
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/** Go's net.SplitHostPort; an error makes the kubelet keep the whole host and no port. */
function splitHostPort(hostport: GoBytes): GoResult<{ host: GoBytes; port: string }> {
  const colon = hostport.lastIndexOf(":");
  if (colon < 0) return { error: "missing port in address" };
  let host: GoBytes;
  let from = [0, 0];
  if (hostport.startsWith("[")) {
    const close = hostport.indexOf("]");
    if (close < 0 || close + 1 !== colon) return { error: "not [host]:port" };
    host = hostport.slice(1, close);
    from = [1, close + 1];
  } else {
    host = hostport.slice(0, colon);
    if (host.includes(":")) return { error: "too many colons in address" };
  }
  if (hostport.indexOf("[", from[0]) >= 0 || hostport.indexOf("]", from[1]) >= 0) {
    return { error: "unexpected bracket in address" };
  }
  return { value: { host, port: hostport.slice(colon + 1) } };
}
