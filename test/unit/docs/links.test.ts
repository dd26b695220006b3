import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

// The Markdown a user reads: README, INSTALL, BENCHMARKS, docs/ and the chart's README. A
// relative link that points nowhere, or an #anchor no heading makes, sends a reader to a dead
// end; this holds every one of them to the tree.
const repo = resolve(__dirname, "../../..");

function markdownFiles(): string[] {
  const top = ["README.md", "INSTALL.md", "BENCHMARKS.md"].map((f) => join(repo, f));
  const under = (dir: string): string[] =>
    existsSync(dir)
      ? readdirSync(dir, { recursive: true, encoding: "utf8" })
          .filter((f) => f.endsWith(".md"))
          .map((f) => join(dir, f))
      : [];
  return [...top, ...under(join(repo, "docs")), ...under(join(repo, "deploy"))].filter(existsSync);
}

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens, repeats -1, -2. */
function anchorsOf(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const line of withoutCodeBlocks(markdown).split("\n")) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading?.[1]) continue;
    const text = heading[1].replace(/\[([^\]]*)\]\([^)]*\)/g, "$1");
    const base = text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/\s/g, "-");
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

function withoutCodeBlocks(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "").replace(/`[^`\n]*`/g, "");
}

/** Every inline link target that is not a URL: "path", "path#anchor" or "#anchor". */
function relativeLinks(markdown: string): string[] {
  const targets = [...withoutCodeBlocks(markdown).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)];
  return targets.map((m) => m[1] ?? "").filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t));
}

describe("the documentation's relative links", () => {
  const files = markdownFiles();

  it("covers README, INSTALL and the docs folder", () => {
    expect(files.map((f) => relative(repo, f))).toEqual(
      expect.arrayContaining(["README.md", "INSTALL.md", "docs/testing.md"]),
    );
  });

  it.each(files.map((f) => [relative(repo, f), f]))(
    "%s: every link names a file that exists and an anchor a heading makes",
    (_name, file) => {
      const broken: string[] = [];
      for (const target of relativeLinks(readFileSync(file, "utf8"))) {
        const [path = "", anchor] = target.split("#");
        const to = path === "" ? file : resolve(dirname(file), decodeURI(path));
        if (!existsSync(to)) {
          broken.push(`${target}: no such file`);
          continue;
        }
        if (anchor === undefined || !to.endsWith(".md") || statSync(to).isDirectory()) continue;
        if (!anchorsOf(readFileSync(to, "utf8")).has(anchor)) {
          broken.push(`${target}: no heading makes #${anchor}`);
        }
      }
      expect(broken).toEqual([]);
    },
  );
});
