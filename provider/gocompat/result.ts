/**
 * What a Go function returns: a value, or the error Go would give. Every rule in gocompat answers
 * this way, so a caller can never hold a second, looser verdict of its own.
 */
export type GoResult<T> = { value: T } | { error: string };

/**
 * A Go string as JavaScript holds it here: one char per byte (code 0-255), so Go's byte-wise
 * comparisons, slicing and invalid UTF-8 behave exactly as in Go.
 */
export type GoBytes = string;

/** The UTF-8 bytes of a JavaScript string, as a Go string would hold them. */
export function goBytes(text: string): GoBytes {
  return Buffer.from(text, "utf8").toString("latin1");
}

/** Decodes Go string bytes back to text for display (invalid UTF-8 becomes U+FFFD). */
export function goText(bytes: GoBytes): string {
  return Buffer.from(bytes, "latin1").toString("utf8");
}

/**
 * Decodes the UTF-8 rune at `at`, like utf8.DecodeRuneInString: invalid or truncated bytes give
 * U+FFFD with width 1.
 */
export function decodeRune(bytes: GoBytes, at: number): { rune: number; width: number } {
  const b0 = bytes.charCodeAt(at);
  if (b0 < 0x80) return { rune: b0, width: 1 };
  const width =
    b0 >= 0xf0 && b0 <= 0xf4 ? 4 : b0 >= 0xe0 ? (b0 <= 0xef ? 3 : 0) : b0 >= 0xc2 ? 2 : 0;
  if (width === 0 || at + width > bytes.length) return { rune: 0xfffd, width: 1 };
  let rune = b0 & (0xff >> (width + 1));
  for (let i = 1; i < width; i++) {
    const b = bytes.charCodeAt(at + i);
    if ((b & 0xc0) !== 0x80) return { rune: 0xfffd, width: 1 };
    rune = (rune << 6) | (b & 0x3f);
  }
  const min = width === 2 ? 0x80 : width === 3 ? 0x800 : 0x10000;
  if (rune < min || rune > 0x10ffff || (rune >= 0xd800 && rune <= 0xdfff)) {
    return { rune: 0xfffd, width: 1 };
  }
  return { rune, width };
}
