import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { globMatch } from "../../../provider/matching/glob.js";
import { urlsMatch } from "../../../provider/matching/match.js";

// The same rows are checked against the kubelet's own URLsMatchStr by the Go conformance harness,
// so this table is the contract between pullkey's matching and the kubelet's.
const rows: { name: string; pattern: string; image: string; match: boolean; why: string }[] =
  JSON.parse(
    readFileSync(new URL("../../fixtures/matching/kubelet-match.json", import.meta.url), "utf8"),
  );

describe("matching images the way the kubelet matches matchImages and auth keys", () => {
  it.each(rows)("$name: $pattern vs $image → $match ($why)", ({ pattern, image, match }) => {
    expect(urlsMatch(pattern, image)).toBe(match);
  });
});

describe("host label globs follow Go's filepath.Match", () => {
  it.each([
    { pattern: "*", name: "anything", match: true },
    { pattern: "*", name: "", match: true },
    { pattern: "a*c", name: "abbbc", match: true },
    { pattern: "a*c", name: "abbbd", match: false },
    { pattern: "a?c", name: "abc", match: true },
    { pattern: "a?c", name: "ac", match: false },
    { pattern: "[a-c]x", name: "bx", match: true },
    { pattern: "[^a-c]x", name: "bx", match: false },
    { pattern: "[^a-c]x", name: "dx", match: true },
    { pattern: "\\*", name: "*", match: true },
    { pattern: "\\*", name: "a", match: false },
    { pattern: "[]a]", name: "a", match: false },
    { pattern: "[a-", name: "a", match: false },
    { pattern: "a\\", name: "a", match: false },
    { pattern: "*x*", name: "abxcd", match: true },
    { pattern: "ab*", name: "ab", match: true },
  ])("$pattern matches $name: $match", ({ pattern, name, match }) => {
    expect(globMatch(pattern, name)).toBe(match);
  });
});
