/**
 * The registry's `WWW-Authenticate` challenge (RFC 7235; the distribution token spec,
 * docs/content/spec/auth/token.md): `Basic realm="..."` for htpasswd registries,
 * `Bearer realm="...",service="...",scope="..."` for token servers such as Docker Hub's.
 */
export type Challenge =
  | { scheme: "basic"; realm?: string }
  | { scheme: "bearer"; realm: string; service?: string; scope?: string; error?: string };

/**
 * Parses a challenge header; undefined when it is missing or names no scheme pullkey speaks.
 * Parameter values may be quoted strings with commas inside (`scope="repository:a:pull,push"`),
 * so this tokenises instead of splitting on commas.
 */
export function parseChallenge(header: string | undefined): Challenge | undefined {
  if (header === undefined) return undefined;
  const m = /^\s*([A-Za-z][A-Za-z0-9._~+/-]*)\s*(.*)$/s.exec(header);
  if (!m) return undefined;
  const scheme = (m[1] ?? "").toLowerCase();
  const params = parseParams(m[2] ?? "");
  if (params === undefined) return undefined;
  if (scheme === "basic") {
    const realm = params.get("realm");
    return realm === undefined ? { scheme } : { scheme, realm };
  }
  if (scheme === "bearer") {
    const realm = params.get("realm");
    if (!realm) return undefined;
    const challenge: Challenge = { scheme, realm };
    for (const key of ["service", "scope", "error"] as const) {
      const value = params.get(key);
      if (value !== undefined) challenge[key] = value;
    }
    return challenge;
  }
  return undefined;
}

/** `key=value` pairs separated by commas; keys are case-insensitive. Undefined when malformed. */
function parseParams(text: string): Map<string, string> | undefined {
  const params = new Map<string, string>();
  let i = 0;
  const skipSpace = () => {
    while (i < text.length && /[\s,]/.test(text[i] ?? "")) i++;
  };
  skipSpace();
  while (i < text.length) {
    const key = /^[A-Za-z0-9._~+/-]+/.exec(text.slice(i))?.[0];
    if (!key) return undefined;
    i += key.length;
    while (text[i] === " ") i++;
    if (text[i] !== "=") return undefined;
    i++;
    while (text[i] === " ") i++;
    let value = "";
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (i >= text.length) return undefined;
        const c = text[i++];
        if (c === '"') break;
        if (c === "\\" && i < text.length) value += text[i++];
        else value += c;
      }
    } else {
      const token = /^[^\s,]*/.exec(text.slice(i))?.[0] ?? "";
      value = token;
      i += token.length;
    }
    params.set(key.toLowerCase(), value);
    skipSpace();
  }
  return params;
}
