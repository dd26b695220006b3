import { describe, expect, it } from "vitest";
import { filepathMatch } from "../../../provider/gocompat/match.js";
import { goBytes } from "../../../provider/gocompat/result.js";

const BAD = "bad pattern";

describe("host label globs follow Go's filepath.Match", () => {
  it.each([
    { pattern: "*", name: "anything", want: true, why: "a star matches any run" },
    { pattern: "*", name: "", want: true, why: "including the empty one" },
    { pattern: "a*c", name: "abbbc", want: true, why: "star in the middle" },
    { pattern: "a*c", name: "abbbd", want: false, why: "the tail must match" },
    { pattern: "a?c", name: "abc", want: true, why: "? is one character" },
    { pattern: "a?c", name: "ac", want: false, why: "? is exactly one" },
    { pattern: "?", name: "é", want: true, why: "? is one rune, not one byte" },
    { pattern: "[a-c]x", name: "bx", want: true, why: "a class" },
    { pattern: "[^a-c]x", name: "bx", want: false, why: "a negated class" },
    { pattern: "[^a-c]x", name: "dx", want: true, why: "a negated class" },
    { pattern: "\\*", name: "*", want: true, why: "an escaped star is literal" },
    { pattern: "\\*", name: "a", want: false, why: "an escaped star is literal" },
    { pattern: "*x*", name: "abxcd", want: true, why: "two stars" },
    { pattern: "ab*", name: "ab", want: true, why: "a trailing star matches nothing" },
    { pattern: "[]a]", name: "a", want: BAD, why: "a class cannot open with ]" },
    { pattern: "[a-", name: "a", want: BAD, why: "an unfinished range" },
    { pattern: "a\\", name: "a", want: BAD, why: "a trailing backslash" },
    { pattern: "x[", name: "y", want: BAD, why: "Go reads the whole chunk even after a mismatch" },
    { pattern: "*[", name: "abc", want: BAD, why: "a bad class after a star" },
  ])("$pattern against $name: $want ($why)", ({ pattern, name, want }) => {
    const got = filepathMatch(goBytes(pattern), goBytes(name));
    expect("error" in got ? BAD : got.value).toBe(want);
  });
});
