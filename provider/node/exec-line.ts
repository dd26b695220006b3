import type { Arg, Origin } from "./origin.js";

/**
 * An `ExecStart=` command line as systemd turns it into argv (systemd.service(5) "Command
 * lines"): words split at blanks with quotes and C escapes removed; leading `@-:+!` prefixes;
 * then, per word, `$NAME` alone becomes the variable's value split at blanks (zero or more
 * words), `${NAME}` anywhere is replaced by the exact value (one word), `$$` is a `$`, and an
 * unknown variable is empty. `:` turns expansion off. Pure.
 */

/** A variable's value and where it was set. */
export interface EnvValue {
  value: string;
  origin: Origin;
}

/** The command line's words after unquoting, and whether `$` expansion applies. */
export interface ExecLine {
  words: string[];
  expand: boolean;
}

const C_ESCAPES: Record<string, string> = {
  a: "\x07",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
  s: " ",
  "\\": "\\",
  '"': '"',
  "'": "'",
};

/**
 * Splits at blanks, honouring quotes anywhere in a word. With `cEscapes` (unit files) a
 * backslash starts a C escape; without (variable values) it takes the next character as is.
 */
export function splitWords(text: string, cEscapes: boolean): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? "";
    if (c === "\\" && i + 1 < text.length && quote !== "'") {
      const next = text[++i] ?? "";
      word += cEscapes ? (C_ESCAPES[next] ?? next) : next;
      inWord = true;
    } else if (quote !== undefined) {
      if (c === quote) quote = undefined;
      else word += c;
    } else if (c === '"' || c === "'") {
      quote = c;
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

/** Parses an `ExecStart=` value: prefixes off the first word, `@` dropping argv[0]'s path. */
export function parseExecLine(value: string): ExecLine {
  const words = splitWords(value, true);
  const first = words[0] ?? "";
  const prefix = /^[-@:+!]*/.exec(first)?.[0] ?? "";
  let rest = [first.slice(prefix.length), ...words.slice(1)];
  if (rest[0] === "") rest = rest.slice(1);
  // `@path argv0 args`: the process sees argv0 as its name; the executable is path.
  if (prefix.includes("@")) rest = [rest[1] ?? "", ...rest.slice(2)];
  return { words: rest.filter((w) => w !== ";"), expand: !prefix.includes(":") };
}

/** Expands variables in an ExecStart's words; each word carries its origin. */
export function expandExecLine(
  line: ExecLine,
  env: ReadonlyMap<string, EnvValue>,
  origin: Origin,
): Arg[] {
  const args: Arg[] = [];
  for (const word of line.words) {
    if (!line.expand) {
      args.push({ value: word, origin });
      continue;
    }
    const whole = /^\$([A-Za-z_][A-Za-z0-9_]*)$/.exec(word);
    if (whole) {
      const name = whole[1] ?? "";
      const set = env.get(name);
      if (set === undefined) continue;
      for (const value of splitWords(set.value, false)) {
        args.push({ value, origin: { ...set.origin, variable: name } });
      }
      continue;
    }
    const variables: string[] = [];
    const value = word.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (match, name?: string) => {
      if (match === "$$") return "$";
      variables.push(name ?? "");
      return env.get(name ?? "")?.value ?? "";
    });
    const only = variables.length === 1 && word === `\${${variables[0]}}`;
    const set = only ? env.get(variables[0] ?? "") : undefined;
    args.push({
      value,
      origin: set ? { ...set.origin, variable: variables[0] ?? "" } : origin,
    });
  }
  return args;
}
