/**
 * Go's path/filepath.Match on one host label, which is how the kubelet compares `matchImages`
 * and `auth` key labels: `*`, `?`, `[a-z]`, `[^a-z]` and `\` escapes. A malformed pattern never
 * matches, as in the kubelet (URLsMatch turns ErrBadPattern into "no match").
 */
export function globMatch(pattern: string, name: string): boolean {
  let pat = Array.from(pattern);
  let rest = Array.from(name);
  while (pat.length > 0) {
    const { star, chunk, after } = scanChunk(pat);
    pat = after;
    if (star && chunk.length === 0) return !rest.includes("/");
    const direct = matchChunk(chunk, rest);
    if (direct === BAD) return false;
    if (direct !== NO && (direct.length === 0 || pat.length > 0)) {
      rest = direct;
      continue;
    }
    let advanced = false;
    if (star) {
      // A star before the chunk may swallow any run of non-separator characters.
      for (let i = 0; i < rest.length && rest[i] !== "/"; i++) {
        const tail = matchChunk(chunk, rest.slice(i + 1));
        if (tail === BAD) return false;
        if (tail === NO) continue;
        if (pat.length === 0 && tail.length > 0) continue;
        rest = tail;
        advanced = true;
        break;
      }
    }
    if (!advanced) return false;
  }
  return rest.length === 0;
}

const NO = Symbol("no match");
const BAD = Symbol("bad pattern");

function scanChunk(pattern: string[]): { star: boolean; chunk: string[]; after: string[] } {
  let i = 0;
  let star = false;
  while (pattern[i] === "*") {
    i++;
    star = true;
  }
  const start = i;
  let inRange = false;
  for (; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "\\") {
      i++;
    } else if (c === "[") {
      inRange = true;
    } else if (c === "]") {
      inRange = false;
    } else if (c === "*" && !inRange) {
      break;
    }
  }
  const end = Math.min(i, pattern.length);
  return { star, chunk: pattern.slice(start, end), after: pattern.slice(end) };
}

/** Matches one star-free chunk at the start of `s`; returns the rest of `s`, NO or BAD. */
function matchChunk(chunk: string[], s: string[]): string[] | typeof NO | typeof BAD {
  let c = 0;
  let i = 0;
  let failed = false;
  while (c < chunk.length) {
    const token = chunk[c];
    if (token === "[") {
      const r = s[i];
      if (r !== undefined) i++;
      else failed = true;
      c++;
      let negated = false;
      if (chunk[c] === "^") {
        negated = true;
        c++;
      }
      let matched = false;
      let ranges = 0;
      for (;;) {
        if (chunk[c] === "]" && ranges > 0) {
          c++;
          break;
        }
        const lo = readEscaped(chunk, c);
        if (lo === BAD) return BAD;
        c = lo.next;
        let hi = lo.char;
        if (chunk[c] === "-") {
          const high = readEscaped(chunk, c + 1);
          if (high === BAD) return BAD;
          c = high.next;
          hi = high.char;
        }
        if (r !== undefined && lo.char <= r && r <= hi) matched = true;
        ranges++;
      }
      if (matched === negated) failed = true;
    } else if (token === "?") {
      if (s[i] === undefined || s[i] === "/") failed = true;
      else i++;
      c++;
    } else {
      let literal = token;
      if (token === "\\") {
        c++;
        literal = chunk[c];
        if (literal === undefined) return BAD;
      }
      if (s[i] !== literal) failed = true;
      else i++;
      c++;
    }
  }
  return failed ? NO : s.slice(i);
}

function readEscaped(chunk: string[], at: number): { char: string; next: number } | typeof BAD {
  let c = at;
  const first = chunk[c];
  if (first === undefined || first === "-" || first === "]") return BAD;
  if (first === "\\") {
    c++;
    const escaped = chunk[c];
    if (escaped === undefined) return BAD;
    return { char: escaped, next: c + 1 };
  }
  return { char: first, next: c + 1 };
}
