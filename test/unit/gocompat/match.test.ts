import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { filepathMatch } from "../../../provider/gocompat/match.js";
import { goBytes } from "../../../provider/gocompat/result.js";

// Host label globs, as the kubelet compares them; the harness checks these rows against Go.
const rows: {
  name: string;
  pattern: string;
  text: string;
  result: boolean | string;
  why: string;
}[] = JSON.parse(
  readFileSync(new URL("../../fixtures/gocompat/filepath-match.json", import.meta.url), "utf8"),
);

describe("host label globs follow Go's filepath.Match", () => {
  it.each(rows)("$name: $result ($why)", ({ pattern, text, result }) => {
    const got = filepathMatch(goBytes(pattern), goBytes(text));
    expect("error" in got ? "bad pattern" : got.value).toBe(result);
  });
});
