import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
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
