/**
 * systemd unit files as systemd reads them (systemd.syntax(7)): `[Section]` headers, `Key=value`
 * lines, `#`/`;` comment lines, and a trailing backslash that joins the next line with a space
 * (comment lines inside such a continuation are skipped). Pure.
 */

/** One `Key=value` line, with the line it starts on (1-based) for messages. */
export interface Directive {
  section: string;
  key: string;
  value: string;
  line: number;
}

/** Every directive of a unit file or drop-in, in file order. */
export function parseUnitFile(text: string): Directive[] {
  const lines = text.split(/\r?\n/);
  const directives: Directive[] = [];
  let section = "";
  for (let i = 0; i < lines.length; i++) {
    const start = i + 1;
    let line = (lines[i] ?? "").trim();
    if (line === "" || isComment(line)) continue;
    while (line.endsWith("\\")) {
      line = `${line.slice(0, -1).trimEnd()} `;
      i++;
      // systemd skips comment lines in the middle of a continuation (since v235).
      while (i < lines.length && isComment(lines[i] ?? "")) i++;
      if (i >= lines.length) break;
      line += (lines[i] ?? "").trim();
    }
    line = line.trim();
    if (/^\[[^\]]+\]$/.test(line)) {
      section = line.slice(1, -1);
      continue;
    }
    const eq = line.indexOf("=");
    if (eq <= 0) continue;
    directives.push({
      section,
      key: line.slice(0, eq).trim(),
      value: line.slice(eq + 1).trim(),
      line: start,
    });
  }
  return directives;
}

function isComment(line: string): boolean {
  const trimmed = line.trimStart();
  return trimmed.startsWith("#") || trimmed.startsWith(";");
}

/** The unit name without its type suffix: `k3s-agent.service` → `k3s-agent`. */
function prefixName(unit: string): string {
  const dot = unit.lastIndexOf(".");
  return dot > 0 ? unit.slice(0, dot) : unit;
}

/**
 * Expands the specifiers a kubelet unit uses (`%n`, `%N`, `%p`, `%i`, `%%`; systemd.unit(5)
 * "Specifiers"). k3s's unit reads `EnvironmentFile=-/etc/default/%N`. Others stay as written.
 */
export function expandSpecifiers(text: string, unit: string): string {
  const name = prefixName(unit);
  const at = name.indexOf("@");
  const prefix = at >= 0 ? name.slice(0, at) : name;
  const instance = at >= 0 ? name.slice(at + 1) : "";
  return text.replace(/%([nNpi%])/g, (_, c: string) => {
    switch (c) {
      case "n":
        return unit;
      case "N":
        return name;
      case "p":
        return prefix;
      case "i":
        return instance;
      default:
        return "%";
    }
  });
}
