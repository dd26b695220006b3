/**
 * Environment files as systemd reads them for `EnvironmentFile=` (systemd's env-file parser,
 * systemd.exec(5)): `KEY=VALUE` lines; `#`/`;` comment lines; single quotes literal; in double
 * quotes a backslash escapes only `"`, `\`, `` ` `` and `$`; a backslash before a newline joins
 * lines (quoted or not); unquoted values lose surrounding blanks. No variable expansion, no
 * `export`: a line whose key is not a valid name is ignored, as systemd does. Pure.
 */

/** One assignment, with where it is in the text so the installer can edit it in place. */
export interface EnvAssignment {
  name: string;
  value: string;
  /** 1-based line where the assignment starts. */
  line: number;
  /** Offset of the first character of the key, and just past the value's last character. */
  start: number;
  end: number;
  /** Offset just past `=`, where the value's text begins. */
  valueStart: number;
  /** Offset of the closing quote when the value ends with a quoted part. */
  closingQuote?: number;
}

const VALID_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const DOUBLE_QUOTE_ESCAPES = new Set(['"', "\\", "`", "$"]);

type State = "preKey" | "key" | "preValue" | "value" | "single" | "double" | "comment";

/** Every valid assignment in file order (the last one of a name wins). */
export function parseEnvFile(text: string): EnvAssignment[] {
  const out: EnvAssignment[] = [];
  let state: State = "preKey";
  let key = "";
  let value = "";
  let trailingBlanks = 0;
  let start = 0;
  let valueStart = 0;
  let lastEnd = 0;
  let closingQuote: number | undefined;
  let line = 1;
  let startLine = 1;
  const emit = () => {
    const name = key.trim();
    if (VALID_NAME.test(name)) {
      const trimmed = trailingBlanks > 0 ? value.slice(0, value.length - trailingBlanks) : value;
      out.push({
        name,
        value: trimmed,
        line: startLine,
        start,
        end: lastEnd,
        valueStart,
        ...(closingQuote !== undefined ? { closingQuote } : {}),
      });
    }
    key = "";
    value = "";
    trailingBlanks = 0;
    closingQuote = undefined;
    state = "preKey";
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? "";
    const next = text[i + 1];
    if (c === "\n") line++;
    switch (state) {
      case "preKey":
        if (c === "#" || c === ";") state = "comment";
        else if (!/\s/.test(c)) {
          state = "key";
          key = c;
          start = i;
          startLine = line;
        }
        break;
      case "key":
        if (c === "\n") state = "preKey";
        else if (c === "=") {
          state = "preValue";
          valueStart = i + 1;
          lastEnd = i + 1;
        } else key += c;
        break;
      case "preValue":
      case "value":
        if (c === "\n") {
          emit();
        } else if (c === "\\" && next !== undefined) {
          i++;
          if (next === "\n") line++;
          else {
            value += next;
            trailingBlanks = 0;
            lastEnd = i + 1;
          }
          state = "value";
        } else if (state === "preValue" && c === "'") state = "single";
        else if (state === "preValue" && c === '"') state = "double";
        else if (/\s/.test(c)) {
          if (state === "value") {
            value += c;
            trailingBlanks++;
          }
        } else {
          value += c;
          trailingBlanks = 0;
          closingQuote = undefined;
          lastEnd = i + 1;
          state = "value";
        }
        break;
      case "single":
        if (c === "'") {
          closingQuote = i;
          lastEnd = i + 1;
          state = "preValue";
        } else value += c;
        break;
      case "double":
        if (c === '"') {
          closingQuote = i;
          lastEnd = i + 1;
          state = "preValue";
        } else if (c === "\\" && next !== undefined) {
          i++;
          if (next === "\n") line++;
          else if (DOUBLE_QUOTE_ESCAPES.has(next)) value += next;
          else value += `\\${next}`;
        } else value += c;
        break;
      case "comment":
        if (c === "\\" && next !== undefined) {
          i++;
          if (next === "\n") line++;
        } else if (c === "\n") state = "preKey";
        break;
    }
  }
  if (state !== "preKey" && state !== "key" && state !== "comment") {
    if (state === "single" || state === "double") lastEnd = text.length;
    emit();
  }
  return out;
}

/** The last assignment of `name`, or undefined. */
export function lastAssignment(text: string, name: string): EnvAssignment | undefined {
  return parseEnvFile(text)
    .filter((a) => a.name === name)
    .at(-1);
}
