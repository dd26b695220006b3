import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

// README's Layout is how a newcomer finds their way around. test/unit/layers.test.ts holds its
// provider/ part to the tree; this holds the rest: every top-level folder, and every folder
// under test/ and scripts/, is named there, and nothing it names under them is missing.
const repo = resolve(__dirname, "../../..");
const layout = readFileSync(join(repo, "README.md"), "utf8").split("## Layout")[1]?.split("```")[1];

const folders = (dir: string) =>
  readdirSync(join(repo, dir), { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith(".") && e.name !== "node_modules")
    .filter((e) => e.name !== "dist")
    .map((e) => e.name);

/** The entry of a top-level folder: its line and the indented lines after it. */
function entryOf(top: string): string {
  const lines = (layout ?? "").split("\n");
  const start = lines.findIndex((line) => line.startsWith(`${top}/`));
  if (start < 0) return "";
  const rest = lines.slice(start + 1).findIndex((line) => /^\S/.test(line));
  return lines.slice(start, rest < 0 ? undefined : start + 1 + rest).join("\n");
}

describe("README's Layout", () => {
  it.each(folders(".").map((f) => [f]))("names the top-level folder %s/", (top) => {
    expect(entryOf(top)).not.toBe("");
  });

  it.each(["test", "scripts"].map((f) => [f]))(
    "names every folder under %s/, and only those",
    (top) => {
      const named = [...entryOf(top).matchAll(/(?<![\w./-])([\w-]+)\/(?=[\s(,]|$)/gm)]
        .map((m) => m[1])
        .filter((name) => name !== top);
      expect([...new Set(named)].sort()).toEqual(folders(top).sort());
    },
  );
});
