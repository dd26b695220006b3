import { describe, expect, it } from "vitest";
import { goQuote, timeQuote } from "../../../provider/gocompat/quote.js";

describe("Go's strconv.Quote, as the Go error texts show values", () => {
  it.each([
    { text: "docker.io", quoted: '"docker.io"' },
    { text: 'a"b\\c', quoted: '"a\\"b\\\\c"' },
    { text: "a\tb\n", quoted: '"a\\tb\\n"' },
    { text: "\u0007\u000b\u007f\u0001", quoted: '"\\a\\v\\x7f\\x01"' },
    { text: "régistry", quoted: '"régistry"' },
    { text: "\u200b", quoted: '"\\u200b"' },
  ])("$text → $quoted", ({ text, quoted }) => {
    expect(goQuote(text)).toBe(quoted);
  });

  it("the time package writes non-ASCII as bytes", () => {
    expect(timeQuote("1µs\t")).toBe('"1\\xc2\\xb5s\\x09"');
  });
});
