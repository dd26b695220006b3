import { decodeRune, type GoBytes, goBytes } from "./result.js";

// Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. Made
// on first use: V8 parses its Unicode classes when the literal is evaluated, about 0.4 ms, and
// only an error message quotes, never a cache hit.
let printable: RegExp | undefined;
function isPrintable(char: string): boolean {
  printable ??= /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;
  return printable.test(char);
}
const NAMED: Record<number, string> = {
  7: "\\a",
  8: "\\b",
  12: "\\f",
  10: "\\n",
  13: "\\r",
  9: "\\t",
  11: "\\v",
};

/** Go's strconv.Quote (and `%q`): the quoting in the Go error texts gocompat returns. */
export function goQuote(text: string): string {
  return goQuoteBytes(goBytes(text));
}

/** strconv.Quote of a Go string's bytes: invalid UTF-8 shows as `\x..`. */
export function goQuoteBytes(bytes: GoBytes): string {
  let out = '"';
  for (let i = 0; i < bytes.length; ) {
    const { rune, width } = decodeRune(bytes, i);
    if (width === 1 && rune === 0xfffd) {
      out += `\\x${hex(bytes.charCodeAt(i), 2)}`;
    } else if (rune === 0x22 || rune === 0x5c) {
      out += `\\${String.fromCodePoint(rune)}`;
    } else if (isPrintable(String.fromCodePoint(rune))) {
      out += String.fromCodePoint(rune);
    } else if (NAMED[rune] !== undefined) {
      out += NAMED[rune];
    } else if (rune < 0x20 || rune === 0x7f) {
      out += `\\x${hex(rune, 2)}`;
    } else {
      out += rune < 0x10000 ? `\\u${hex(rune, 4)}` : `\\U${hex(rune, 8)}`;
    }
    i += width;
  }
  return `${out}"`;
}

/**
 * The time package's own quote (time/format.go): bytes of a non-ASCII or control character are
 * written as `\x..`, which is how Go's duration errors show the value.
 */
export function timeQuote(text: string): string {
  const bytes = goBytes(text);
  let out = '"';
  for (let i = 0; i < bytes.length; ) {
    const { rune, width } = decodeRune(bytes, i);
    if (rune >= 0x80 || rune < 0x20) {
      for (let j = 0; j < width; j++) out += `\\x${hex(bytes.charCodeAt(i + j), 2)}`;
    } else {
      out += rune === 0x22 || rune === 0x5c ? `\\${bytes[i]}` : bytes[i];
    }
    i += width;
  }
  return `${out}"`;
}

function hex(value: number, digits: number): string {
  return value.toString(16).padStart(digits, "0");
}
