import { decodeRune, type GoBytes, type GoResult } from "./result.js";

const BAD_PATTERN = { error: "syntax error in pattern" } as const;
const SEPARATOR = "/";

/**
 * Go's path/filepath.Match (Unix): `*`, `?`, `[a-z]`, `[^a-z]` and `\` escapes, on Go bytes.
 * The kubelet compares `matchImages` and `auth` key host labels with it; a malformed pattern is
 * an error there, which URLsMatch turns into "no match".
 */
export function filepathMatch(pattern: GoBytes, name: GoBytes): GoResult<boolean> {
  let pat = pattern;
  let rest = name;
  chunks: while (pat.length > 0) {
    const { star, chunk, after } = scanChunk(pat);
    pat = after;
    if (star && chunk === "") return { value: !rest.includes(SEPARATOR) };
    const direct = matchChunk(chunk, rest);
    if (
      "value" in direct &&
      direct.value !== undefined &&
      (direct.value === "" || pat.length > 0)
    ) {
      rest = direct.value;
      continue;
    }
    if ("error" in direct) return direct;
    if (star) {
      // The star may swallow any run of non-separator bytes before the chunk.
      for (let i = 0; i < rest.length && rest[i] !== SEPARATOR; i++) {
        const tail = matchChunk(chunk, rest.slice(i + 1));
        if ("value" in tail && tail.value !== undefined) {
          if (pat.length === 0 && tail.value.length > 0) continue;
          rest = tail.value;
          continue chunks;
        }
        if ("error" in tail) return tail;
      }
    }
    return { value: false };
  }
  return { value: rest === "" };
}

/** Splits off the leading stars and the star-free chunk after them. */
function scanChunk(pattern: GoBytes): { star: boolean; chunk: GoBytes; after: GoBytes } {
  let start = 0;
  while (pattern[start] === "*") start++;
  let inRange = false;
  for (let i = start; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "\\") {
      if (i + 1 < pattern.length) i++;
    } else if (c === "[") {
      inRange = true;
    } else if (c === "]") {
      inRange = false;
    } else if (c === "*" && !inRange) {
      return { star: start > 0, chunk: pattern.slice(start, i), after: pattern.slice(i) };
    }
  }
  return { star: start > 0, chunk: pattern.slice(start), after: "" };
}

/**
 * Matches one star-free chunk at the start of `s`: the rest of `s`, undefined for no match, or
 * the bad-pattern error. Like Go, it reads the whole chunk even after a mismatch, so a malformed
 * class is reported wherever it sits.
 */
function matchChunk(chunk: GoBytes, s: GoBytes): GoResult<GoBytes | undefined> {
  let c = 0;
  let i = 0;
  let failed = false;
  while (c < chunk.length) {
    failed ||= i >= s.length;
    const token = chunk[c];
    if (token === "[") {
      let r = -1;
      if (!failed) {
        const decoded = decodeRune(s, i);
        r = decoded.rune;
        i += decoded.width;
      }
      c++;
      const negated = chunk[c] === "^";
      if (negated) c++;
      let matched = false;
      for (let ranges = 0; ; ranges++) {
        if (chunk[c] === "]" && ranges > 0) {
          c++;
          break;
        }
        const lo = getEsc(chunk, c);
        if (lo === undefined) return BAD_PATTERN;
        c = lo.next;
        let hi = lo.rune;
        if (chunk[c] === "-") {
          const high = getEsc(chunk, c + 1);
          if (high === undefined) return BAD_PATTERN;
          c = high.next;
          hi = high.rune;
        }
        matched ||= lo.rune <= r && r <= hi;
      }
      failed ||= matched === negated;
    } else if (token === "?") {
      if (!failed) {
        failed = s[i] === SEPARATOR;
        i += decodeRune(s, i).width;
      }
      c++;
    } else {
      if (token === "\\") {
        c++;
        if (c >= chunk.length) return BAD_PATTERN;
      }
      if (!failed) {
        failed = chunk[c] !== s[i];
        i++;
      }
      c++;
    }
  }
  return { value: failed ? undefined : s.slice(i) };
}

/** One possibly escaped rune of a class; undefined where Go reports ErrBadPattern. */
function getEsc(chunk: GoBytes, at: number): { rune: number; next: number } | undefined {
  let c = at;
  if (c >= chunk.length || chunk[c] === "-" || chunk[c] === "]") return undefined;
  if (chunk[c] === "\\") {
    c++;
    if (c >= chunk.length) return undefined;
  }
  const { rune, width } = decodeRune(chunk, c);
  if (rune === 0xfffd && width === 1) return undefined;
  const next = c + width;
  return next >= chunk.length ? undefined : { rune, next };
}
