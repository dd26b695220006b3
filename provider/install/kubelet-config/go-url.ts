import { isIPv6 } from "node:net";

/**
 * The error Go's url.Parse returns for `"https://" + pattern`, which the kubelet puts into
 * `match image is invalid: parse "https://...": <reason>` (config.go validateCredentialProviderConfig
 * → credentialprovider.ParseSchemelessURL). Follows net/url of Go 1.26 (the toolchain of kubelet
 * 1.37), including its strict colons and IP-literal checks. Returns undefined when Go parses it.
 */
export function goUrlParseError(pattern: string): string | undefined {
  const raw = `https://${pattern}`;
  const hashAt = raw.indexOf("#");
  const beforeFragment = hashAt < 0 ? raw : raw.slice(0, hashAt);
  const reason = parseReason(beforeFragment);
  if (reason !== undefined) return `parse ${goQuote(beforeFragment)}: ${reason}`;
  if (hashAt >= 0) {
    const fragment = unescapeReason(raw.slice(hashAt + 1), "fragment");
    if (fragment !== undefined) return `parse ${goQuote(raw)}: ${fragment}`;
  }
  return undefined;
}

function parseReason(url: string): string | undefined {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: Go rejects exactly these bytes
  if (/[\u0000-\u001f\u007f]/.test(url)) return "net/url: invalid control character in URL";
  let rest = url.slice("https:".length);
  if (rest.endsWith("?") && rest.split("?").length === 2) rest = rest.slice(0, -1);
  else rest = rest.split("?", 1)[0] ?? "";
  let authority = rest.slice(2);
  let path = "";
  const slash = authority.indexOf("/");
  if (slash >= 0) {
    path = authority.slice(slash);
    authority = authority.slice(0, slash);
  }
  const at = authority.lastIndexOf("@");
  const hostReason = hostParseReason(at < 0 ? authority : authority.slice(at + 1));
  if (hostReason !== undefined) return hostReason;
  if (at >= 0) {
    const userinfo = authority.slice(0, at);
    if (!/^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(userinfo)) return "net/url: invalid userinfo";
    for (const part of userinfo.split(":", 2)) {
      const reason = unescapeReason(part, "userinfo");
      if (reason !== undefined) return reason;
    }
  }
  return unescapeReason(path, "path");
}

function hostParseReason(host: string): string | undefined {
  const open = host.lastIndexOf("[");
  if (open > 0) return "invalid IP-literal";
  if (open === 0) {
    const close = host.lastIndexOf("]");
    if (close < 0) return "missing ']' in host";
    const colonPort = host.slice(close + 1);
    if (!validOptionalPort(colonPort)) return `invalid port ${goQuote(colonPort)} after host`;
    const literal = host.slice(1, close);
    const reason = unescapeReason(literal.split("%25", 1)[0] ?? "", "host");
    if (reason !== undefined) return reason;
    // Go then requires an IPv6 address; its netip error text is not reproduced here.
    if (!isIPv6(decodeURIComponent(literal.split("%25", 1)[0] ?? ""))) return "invalid host";
    return undefined;
  }
  const first = host.indexOf(":");
  if (first >= 0) {
    // Go 1.26 (go.dev/issue/75223) cuts http(s) hosts at the first colon, so a second one fails.
    const colonPort = host.slice(first);
    if (!validOptionalPort(colonPort)) return `invalid port ${goQuote(colonPort)} after host`;
  }
  return unescapeReason(host, "host");
}

function validOptionalPort(port: string): boolean {
  return port === "" || /^:[0-9]*$/.test(port);
}

// Host bytes Go's shouldEscape(c, encodeHost) lets through: unreserved, sub-delims, and : [ ] < > ".
const HOST_OK = /^[A-Za-z0-9\-._~!$&'()*+,;=:[\]<>"]$/;

function unescapeReason(
  text: string,
  mode: "host" | "path" | "fragment" | "userinfo",
): string | undefined {
  const bytes = new TextEncoder().encode(text);
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i] ?? 0;
    if (b === 0x25) {
      const hex = new TextDecoder().decode(bytes.slice(i + 1, i + 3));
      if (i + 2 >= bytes.length || !/^[0-9A-Fa-f]{2}$/.test(hex)) {
        return `invalid URL escape ${goQuote(new TextDecoder().decode(bytes.slice(i, i + 3)))}`;
      }
      if (mode === "host" && Number.parseInt(hex[0] ?? "0", 16) < 8 && hex !== "25") {
        return `invalid URL escape ${goQuote(`%${hex}`)}`;
      }
      i += 3;
      continue;
    }
    if (mode === "host" && b < 0x80 && !HOST_OK.test(String.fromCharCode(b))) {
      return `invalid character ${goQuote(String.fromCharCode(b))} in host name`;
    }
    i++;
  }
  return undefined;
}

/** Go's %q / strconv.Quote for the printable text these messages carry. */
export function goQuote(text: string): string {
  return JSON.stringify(text)
    .replace(/\\u00([0-9a-f]{2})/g, "\\x$1")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}
