/**
 * The kubelet's view of an image or a `matchImages` pattern: `url.Parse("https://" + s)` followed
 * by SplitURL (k8s.io/kubernetes pkg/credentialprovider/keyring.go). Reproducing Go's parser
 * quirks here is what makes pullkey's matching agree with the kubelet's, including the patterns
 * that silently never match (`host/*`, `?` in a host, a scheme inside the pattern).
 */
export interface SchemelessUrl {
  /** `host[:port]` as Go's url.URL.Host keeps it. */
  host: string;
  /** Host name split on dots (port removed when it parses as one). */
  labels: string[];
  /** Port text, empty when absent. */
  port: string;
  /** Unescaped path, `""` when absent; compared as a plain string prefix. */
  path: string;
}

/** Parses like the kubelet's ParseSchemelessURL; returns undefined where Go's url.Parse errors. */
export function parseSchemeless(text: string): SchemelessUrl | undefined {
  const raw = `https://${text}`;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: Go's url.Parse rejects these bytes
  if (/[\u0000-\u001f\u007f]/.test(raw)) return undefined;
  const hashAt = raw.indexOf("#");
  const noFragment = hashAt < 0 ? raw : raw.slice(0, hashAt);
  if (hashAt >= 0 && goUnescape(raw.slice(hashAt + 1), "fragment") === undefined) return undefined;
  const queryAt = noFragment.indexOf("?");
  const rest = (queryAt < 0 ? noFragment : noFragment.slice(0, queryAt)).slice("https://".length);
  const slashAt = rest.indexOf("/");
  const authority = slashAt < 0 ? rest : rest.slice(0, slashAt);
  const rawPath = slashAt < 0 ? "" : rest.slice(slashAt);
  const atAt = authority.lastIndexOf("@");
  if (atAt >= 0 && !validUserinfo(authority.slice(0, atAt))) return undefined;
  const host = parseHost(atAt < 0 ? authority : authority.slice(atAt + 1));
  if (host === undefined) return undefined;
  const path = goUnescape(rawPath, "path");
  if (path === undefined) return undefined;
  const split = splitHostPort(host);
  const name = split?.host ?? host;
  return { host, labels: name.split("."), port: split?.port ?? "", path };
}

/**
 * Go's url.parseHost (Go 1.26): a `[` is allowed only to open an IPv6 literal at the start, which
 * must then hold an IPv6 address (not IPv4); without brackets, https hosts allow one colon, before
 * the port. So a character class like `eu[0-9].example.com` never parses, and never matches.
 */
function parseHost(host: string): string | undefined {
  const open = host.lastIndexOf("[");
  if (open > 0) return undefined;
  if (open === 0) {
    const close = host.lastIndexOf("]");
    if (close < 0) return undefined;
    if (!validOptionalPort(host.slice(close + 1))) return undefined;
    const literal = host.slice(1, close).split("%25")[0] ?? "";
    if (!literal.includes(":") || !/^[0-9A-Fa-f:.]+$/.test(literal)) return undefined;
  } else {
    const colon = host.indexOf(":");
    if (colon >= 0 && !validOptionalPort(host.slice(colon))) return undefined;
  }
  return goUnescape(host, "host");
}

function validOptionalPort(port: string): boolean {
  if (port === "") return true;
  return /^:[0-9]*$/.test(port);
}

function validUserinfo(userinfo: string): boolean {
  return /^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(userinfo);
}

// Characters Go's shouldEscape lets through unescaped in a host (unreserved plus sub-delims);
// anything non-ASCII passes too.
const HOST_OK = /^[A-Za-z0-9\-._~!$&'()*+,;=:[\]<>"\u0080-\uffff]*$/;
const HEX_PAIR = /^[0-9A-Fa-f]{2}$/;

/**
 * Go's url.unescape for the host, path and fragment modes; undefined where Go errors. Works on
 * the runs between escapes, not per character: a 1 MiB image name must parse in milliseconds.
 * Text is taken as UTF-8 (lone surrogates become U+FFFD), as Go sees the kubelet's bytes.
 */
function goUnescape(text: string, mode: "host" | "path" | "fragment"): string | undefined {
  const encoder = new TextEncoder();
  const parts: Uint8Array[] = [];
  let start = 0;
  for (let at = text.indexOf("%"); at >= 0; at = text.indexOf("%", start)) {
    const run = text.slice(start, at);
    if (mode === "host" && !HOST_OK.test(run)) return undefined;
    const hex = text.slice(at + 1, at + 3);
    if (!HEX_PAIR.test(hex)) return undefined;
    // Go accepts percent-escapes in a host only for non-ASCII bytes and %25.
    if (mode === "host" && Number.parseInt(hex[0] ?? "0", 16) < 8 && hex !== "25") return undefined;
    parts.push(encoder.encode(run), Uint8Array.of(Number.parseInt(hex, 16)));
    start = at + 3;
  }
  const tail = text.slice(start);
  if (mode === "host" && !HOST_OK.test(tail)) return undefined;
  parts.push(encoder.encode(tail));
  return new TextDecoder().decode(Buffer.concat(parts));
}

/** Go's net.SplitHostPort; undefined where it errors (then the kubelet keeps the whole host). */
function splitHostPort(hostport: string): { host: string; port: string } | undefined {
  const colon = hostport.lastIndexOf(":");
  if (colon < 0) return undefined;
  let host: string;
  if (hostport.startsWith("[")) {
    const close = hostport.indexOf("]");
    if (close < 0 || close + 1 !== colon) return undefined;
    host = hostport.slice(1, close);
    if (hostport.indexOf("[", 1) >= 0 || hostport.indexOf("]", close + 1) >= 0) return undefined;
  } else {
    host = hostport.slice(0, colon);
    if (host.includes(":") || host.includes("[") || host.includes("]")) return undefined;
    if (hostport.slice(colon).includes("[") || hostport.slice(colon).includes("]"))
      return undefined;
  }
  return { host, port: hostport.slice(colon + 1) };
}
