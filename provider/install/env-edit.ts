import { lastAssignment } from "../node/env-file.js";

/**
 * Edits of one variable in a systemd environment file, in place: every other byte of the file
 * stays as it is. Words never need escaping: install checks paths are free of quotes, blanks,
 * `$` and backslashes before they get here. Pure.
 */

/**
 * Appends words to the last `NAME=` (the one systemd uses), inside its closing quote when it
 * ends quoted; adds `NAME="words"` at the end when there is none.
 */
export function addToEnvFile(text: string, name: string, words: readonly string[]): string {
  const joined = words.join(" ");
  const found = lastAssignment(text, name);
  if (!found) {
    const sep = text === "" || text.endsWith("\n") ? "" : "\n";
    return `${text}${sep}${name}="${joined}"\n`;
  }
  if (found.closingQuote !== undefined) {
    const before = text.slice(0, found.closingQuote);
    // After a blank the words go in with a blank behind them, so that taking them out (each with
    // the blank after it) leaves the blank that was there.
    if (/\s$/.test(before)) return `${before}${joined} ${text.slice(found.closingQuote)}`;
    const blank = found.value === "" ? "" : " ";
    return `${before}${blank}${joined}${text.slice(found.closingQuote)}`;
  }
  if (found.value.trim() === "") {
    return `${text.slice(0, found.valueStart)}"${joined}"${text.slice(found.end)}`;
  }
  return `${text.slice(0, found.end)} ${joined}${text.slice(found.end)}`;
}

/**
 * Takes exactly the given words out of the last `NAME=`, each once, with the blank after it (else
 * the one before);
 * words the operator already took out, and everything else, stay as they are.
 */
export function removeFromEnvFile(text: string, name: string, words: readonly string[]): string {
  const found = lastAssignment(text, name);
  if (!found) return text;
  let span = text.slice(found.valueStart, found.end);
  for (const word of words) {
    const at = findWord(span, word);
    if (at < 0) continue;
    let from = at;
    let to = at + word.length;
    if (/[ \t]/.test(span[to] ?? "")) to++;
    else if (from > 0 && /[ \t]/.test(span[from - 1] ?? "")) from--;
    span = span.slice(0, from) + span.slice(to);
  }
  return text.slice(0, found.valueStart) + span + text.slice(found.end);
}

/** Where `word` stands as a whole word (between blanks, quotes or the ends), or -1. */
function findWord(span: string, word: string): number {
  const edge = (c: string | undefined) => c === undefined || /[\s"']/.test(c);
  for (let at = span.indexOf(word); at >= 0; at = span.indexOf(word, at + 1)) {
    if (edge(span[at - 1]) && edge(span[at + word.length])) return at;
  }
  return -1;
}

/** Whether the file says nothing but an empty `NAME=` (what is left of a file install created). */
export function onlyEmptyAssignment(text: string, name: string): boolean {
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  return lines.length === 1 && lastAssignment(text, name)?.value.trim() === "";
}

/** How install changed the assignment, so uninstall can take back exactly that. */
export type EnvEdit = "line" | "quotes" | "words";

/** What addToEnvFile will do to `NAME=` in this text. */
export function envEditKind(text: string, name: string): EnvEdit {
  const found = lastAssignment(text, name);
  if (!found) return "line";
  return found.closingQuote === undefined && found.value.trim() === "" ? "quotes" : "words";
}

/**
 * Takes out pullkey's words, then, if nothing is left where pullkey added the whole line or
 * the quotes around an empty value, that line or those quotes too.
 */
export function undoEnvEdit(
  text: string,
  name: string,
  words: readonly string[],
  edit: EnvEdit,
): string {
  const next = removeFromEnvFile(text, name, words);
  const found = lastAssignment(next, name);
  if (found?.value !== "" || edit === "words" || !found) return next;
  if (edit === "line") {
    const end = next[found.end] === "\n" ? found.end + 1 : found.end;
    return next.slice(0, found.start) + next.slice(end);
  }
  const raw = next.slice(found.valueStart, found.end);
  return raw === '""' ? next.slice(0, found.valueStart) + next.slice(found.end) : next;
}
