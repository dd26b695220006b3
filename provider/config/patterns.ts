import { quote } from "../errors.js";
import { filepathMatch } from "../gocompat/match.js";
import type { SchemelessUrl } from "../gocompat/url.js";
import { parseImageUrl } from "../matching/match.js";

/**
 * Finds the mistakes that make a matchImages pattern parse but never match (kubelet-protocol.md
 * §6.1): a scheme, a glob in the path, a tag or digest, `?` in a host, Docker Hub's legacy host.
 * Returns the problem, or undefined when the pattern is sound.
 */
export function patternProblem(pattern: string): string | undefined {
  if (pattern === "") return "is empty";
  const parsed = parseImageUrl(pattern);
  if (!parsed)
    return `${quote(pattern)} is not a valid image pattern (the kubelet cannot parse it)`;
  if (pattern.includes("://")) {
    return `${quote(pattern)} includes a scheme, so it never matches; write ${quote(pattern.replace(/^[^:]*:\/\//, ""))}`;
  }
  if (pattern.includes("?") || pattern.includes("#")) {
    return `${quote(pattern)} contains "?" or "#", which the kubelet's URL parser cuts off, so it never matches as intended`;
  }
  if (parsed.path.includes("*")) {
    const fixed = pattern.replace(/\/\*+$/, "");
    return `${quote(pattern)}: the path part is a plain prefix, not a glob, so it never matches; write ${quote(fixed)}`;
  }
  if (pattern.includes("@") || /:[^/]*$/.test(parsed.path)) {
    return `${quote(pattern)} has a tag or digest, but images reach pullkey without one (docker.io/library/busybox), so it never matches`;
  }
  const host = parsed.labels.join(".");
  if (host === "index.docker.io" || host === "registry-1.docker.io") {
    return `${quote(pattern)} never matches: Docker Hub images reach the kubelet as docker.io/<namespace>/<repository>; write ${quote(pattern.replace(host, "docker.io"))} or use preset: dockerhub`;
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
