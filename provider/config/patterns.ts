import { quote } from "../errors.js";
import { filepathMatch } from "../gocompat/match.js";
import { parseSchemeless, type SchemelessUrl } from "../gocompat/url.js";
import { parseImageUrl } from "../matching/match.js";

/**
 * Finds a pattern that can never match an image the kubelet sends (kubelet-protocol.md §6.1): one
 * Go cannot parse, a scheme, a glob or tag or digest in the path, `?` or `#`, and
 * `index.docker.io`, which the kubelet rewrites to `docker.io` before it runs a plugin. Returns the
 * problem, or undefined when the pattern can match. `registry-1.docker.io` is sound: the kubelet
 * sends an image written with it unchanged. The config only warns (the rule's other patterns and
 * every other rule still work); the installer refuses such a `matchImages` entry.
 */
export function patternProblem(pattern: string): string | undefined {
  if (pattern === "") return "is empty, so it never matches";
  const parsed = parseSchemeless(pattern);
  if ("error" in parsed) {
    return `${quote(pattern)} never matches: the kubelet cannot parse it (${parsed.error})`;
  }
  const { labels, path } = parsed.value;
  if (pattern.includes("://")) {
    return `${quote(pattern)} includes a scheme, so it never matches; write ${quote(pattern.replace(/^[^:]*:\/\//, ""))}`;
  }
  if (pattern.includes("?") || pattern.includes("#")) {
    return `${quote(pattern)} contains "?" or "#", which the kubelet's URL parser cuts off, so it never matches as intended`;
  }
  if (path.includes("*")) {
    const fixed = pattern.replace(/\/\*+$/, "");
    return `${quote(pattern)}: the path part is a plain prefix, not a glob, so it never matches; write ${quote(fixed)}`;
  }
  // Userinfo (`user@host`) is ignored by the kubelet; an "@" or ":" in the path is a digest or tag.
  if (path.includes("@") || /:[^/]*$/.test(path)) {
    return `${quote(pattern)} has a tag or digest, but images reach pullkey without one (docker.io/library/busybox), so it never matches`;
  }
  if (labels.join(".") === "index.docker.io") {
    return `${quote(pattern)} never matches: the kubelet rewrites index.docker.io to docker.io before it asks a plugin; write ${quote(pattern.replace("index.docker.io", "docker.io"))} or use preset: dockerhub`;
  }
  return undefined;
}

const GLOB_CHARS = /[*?[\\]/;

/**
 * Tells whether every image that `inner` matches is also matched by `outer`. Conservative: answers
 * true only when certain, so a "never used" warning is never wrong.
 */
export function patternCovers(outer: string, inner: string): boolean {
  const a = parseImageUrl(outer);
  const b = parseImageUrl(inner);
  if (!a || !b) return false;
  return coversParsed(a, b);
}

function coversParsed(a: SchemelessUrl, b: SchemelessUrl): boolean {
  if (a.port !== b.port || a.labels.length !== b.labels.length) return false;
  if (!b.path.startsWith(a.path)) return false;
  return a.labels.every((label, i) => {
    const other = b.labels[i] ?? "";
    if (label === other || label === "*") return true;
    if (GLOB_CHARS.test(other)) return false;
    const matched = filepathMatch(label, other);
    return "value" in matched && matched.value;
  });
}
