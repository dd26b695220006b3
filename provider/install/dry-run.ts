import { unifiedDiff } from "./diff.js";
import { sha256 } from "./manifest.js";
import type { FileChange } from "./plan.js";

/** One file's part of the dry-run output. Secrets and executables are summarised, never shown. */
export function describeChange(change: FileChange): string {
  const text = (bytes: Uint8Array | undefined) =>
    bytes === undefined ? undefined : new TextDecoder().decode(bytes);
  if (change.role === "executable" || change.role === "secret") {
    const what = change.role === "secret" ? "secret, contents not shown" : "executable";
    const side = (bytes: Uint8Array | undefined) =>
      bytes === undefined
        ? "absent"
        : `${bytes.length} bytes, sha256 ${sha256(bytes).slice(0, 16)}`;
    return `--- ${change.path} (${what})\n    ${side(change.before)} -> ${side(change.after)}${change.after ? `, mode ${change.mode.toString(8)}` : ""}\n`;
  }
  // pullkey's config may hold a secret inline (auth.token, a password): never printed.
  const shown = change.role === "pullkey-config" ? redactSecrets : (t: string) => t;
  const before = text(change.before);
  const after = text(change.after);
  return unifiedDiff(
    change.path,
    before === undefined ? undefined : shown(before),
    after === undefined ? undefined : shown(after),
  );
}

/** Keys whose values are secrets, in YAML (`token: x`) or JSON (`"password": "x"`). */
const SECRET_KEY =
  /^(auth|(.*)(token|password|passwd|secret|secretid|secret_id|credentials?|apikey|api_key|privatekey))$/i;

const FLOW_PAIR =
  /(["']?)([A-Za-z0-9_-]+)\1(\s*:\s*)("(?:[^"\\]|\\.)*"|'[^']*'|[^\s,{}[\]#](?:[^,{}[\]#]*[^\s,{}[\]#])?)/g;

/**
 * Replaces the value of every secret-looking key with `<redacted>`, line by line, keeping the
 * layout so the diff still shows which line changed. `passwordFile`-style keys name a file, not
 * a secret, and are kept.
 */
export function redactSecrets(text: string): string {
  let blockIndent: number | undefined;
  return text
    .split("\n")
    .map((line) => {
      const indent = /^\s*/.exec(line)?.[0].length ?? 0;
      if (blockIndent !== undefined) {
        // The body of a `token: |` block scalar: every more-indented line is the secret.
        if (line.trim() === "" || indent > blockIndent) {
          return line.trim() === "" ? line : `${" ".repeat(indent)}<redacted>`;
        }
        blockIndent = undefined;
      }
      const m = /^(\s*(?:-\s+)?"?([A-Za-z0-9_-]+)"?\s*:\s*)(\S.*?)(,?)\s*$/.exec(line);
      const value = m?.[3] ?? "";
      if (m && SECRET_KEY.test(m[2] ?? "") && !/^[{[]/.test(value)) {
        if (/^[|>]/.test(value)) {
          blockIndent = indent;
          return line;
        }
        return `${m[1]}"<redacted>"${m[4]}`;
      }
      // Flow style (`source: {type: static, password: x}`) and JSON on one line.
      return line.replace(FLOW_PAIR, (pair, q: string, key: string, sep: string) =>
        SECRET_KEY.test(key) ? `${q}${key}${q}${sep}"<redacted>"` : pair,
      );
    })
    .join("\n");
}
