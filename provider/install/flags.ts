/**
 * The two kubelet flags and the files that carry them: shell-style environment files
 * (`KUBELET_EXTRA_ARGS=` in /etc/default/kubelet, `KUBELET_KUBEADM_ARGS=` in kubeadm-flags.env,
 * `NODEADM_KUBELET_ARGS=` on EKS) and systemd units. Pure text functions.
 */

export const CONFIG_FLAG = "--image-credential-provider-config";
export const BIN_DIR_FLAG = "--image-credential-provider-bin-dir";

/** The two flags' values as the kubelet will see them (last occurrence wins, as in pflag). */
export interface CredentialFlags {
  config?: string;
  binDir?: string;
}

/** Splits a shell word list the way sh would for these simple values: quotes, backslashes. */
export function shellWords(text: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? "";
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === "\\" && quote === '"' && i + 1 < text.length) word += text[++i];
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === "\\" && i + 1 < text.length) {
      word += text[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/** Reads the two flags from an argument list (`--flag=value` or `--flag value`). */
export function credentialFlags(args: readonly string[]): CredentialFlags {
  const found: CredentialFlags = {};
  args.forEach((arg, i) => {
    for (const [flag, key] of [
      [CONFIG_FLAG, "config"],
      [BIN_DIR_FLAG, "binDir"],
    ] as const) {
      const next = args[i + 1];
      if (arg === flag && next !== undefined) found[key] = next;
      else if (arg.startsWith(`${flag}=`)) found[key] = arg.slice(flag.length + 1);
    }
  });
  return found;
}

/** Merges flag sets in the order the kubelet reads them: later sets win per flag. */
export function mergeFlags(...sets: CredentialFlags[]): CredentialFlags {
  const merged: CredentialFlags = {};
  for (const set of sets) {
    if (set.config !== undefined) merged.config = set.config;
    if (set.binDir !== undefined) merged.binDir = set.binDir;
  }
  return merged;
}

/** The value of `NAME=...` in an environment file (last assignment wins), unquoted. */
export function envFileValue(text: string, name: string): string | undefined {
  let value: string | undefined;
  for (const line of text.split("\n")) {
    const m = new RegExp(`^\\s*(?:export\\s+)?${name}=(.*)$`).exec(line);
    if (m) value = shellWords(m[1] ?? "").join(" ");
  }
  return value;
}

/** The flag words pullkey adds, in a fixed order. */
export function flagWords(flags: CredentialFlags): string[] {
  return [
    ...(flags.config === undefined ? [] : [`${CONFIG_FLAG}=${flags.config}`]),
    ...(flags.binDir === undefined ? [] : [`${BIN_DIR_FLAG}=${flags.binDir}`]),
  ];
}

/**
 * Adds words to `NAME=` in an environment file, keeping every other line and the quoting
 * style; appends the assignment when there is none. Values never need escaping: paths are
 * checked to be free of quotes, spaces and `$` before they get here.
 */
export function addToEnvFile(text: string, name: string, words: readonly string[]): string {
  const lines = text === "" ? [] : text.replace(/\n$/, "").split("\n");
  const pattern = new RegExp(`^(\\s*(?:export\\s+)?${name}=)(.*)$`);
  let last = -1;
  lines.forEach((line, i) => {
    if (pattern.test(line)) last = i;
  });
  if (last < 0) {
    lines.push(`${name}="${words.join(" ")}"`);
  } else {
    const m = pattern.exec(lines[last] ?? "");
    const head = m?.[1] ?? `${name}=`;
    const raw = (m?.[2] ?? "").trimEnd();
    const quote = raw.startsWith("'") ? "'" : '"';
    const inner =
      raw.startsWith('"') || raw.startsWith("'")
        ? raw.slice(1, raw.endsWith(quote) ? -1 : undefined)
        : raw;
    const joined = inner.trim() === "" ? words.join(" ") : `${inner} ${words.join(" ")}`;
    lines[last] = `${head}${quote}${joined}${quote}`;
  }
  return `${lines.join("\n")}\n`;
}

/** Removes exactly the given words from `NAME=` (uninstall when the file changed since). */
export function removeFromEnvFile(text: string, name: string, words: readonly string[]): string {
  const pattern = new RegExp(`^(\\s*(?:export\\s+)?${name}=)(.*)$`);
  return text
    .split("\n")
    .map((line) => {
      const m = pattern.exec(line);
      if (!m) return line;
      let value = m[2] ?? "";
      for (const word of words) value = value.replace(new RegExp(` ?${escapeRegExp(word)}`), "");
      return `${m[1]}${value.replace(/^(["']) /, "$1")}`;
    })
    .join("\n");
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * The effective ExecStart of a systemd unit plus its drop-ins (in the order systemd applies
 * them): an empty `ExecStart=` resets the list. Continuation lines are joined.
 */
export function effectiveExecStart(unitTexts: readonly string[]): string | undefined {
  let exec: string | undefined;
  for (const text of unitTexts) {
    let section = "";
    for (const line of text.replace(/[ \t]*\\\n[ \t]*/g, " ").split("\n")) {
      const trimmed = line.trim();
      if (/^\[.*\]$/.test(trimmed)) section = trimmed;
      const m = /^ExecStart\s*=\s*(.*)$/.exec(trimmed);
      if (m && section === "[Service]")
        exec = (m[1] ?? "").trim() === "" ? undefined : (m[1] ?? "").trim();
    }
  }
  return exec;
}

/** The systemd drop-in that restarts the kubelet with both flags appended to its ExecStart. */
export function renderDropIn(execStart: string, words: readonly string[]): string {
  return [
    "# Written by the pullkey installer: the kubelet's ExecStart with the credential provider",
    "# flags appended. `pullkey uninstall` removes this file.",
    "[Service]",
    "ExecStart=",
    `ExecStart=${execStart} ${words.join(" ")}`,
    "",
  ].join("\n");
}
