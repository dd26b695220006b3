import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tarball, tarballEntries } from "../../../scripts/release/tarball.mjs";

const REPO = join(import.meta.dirname, "../../..");
const TOP = "pullkey-0.0.0-linux-amd64";
// Any file stands in for the executable: these tests are about what goes around it.
const options = { srcDir: REPO, executable: join(REPO, "LICENSE"), top: TOP };

/** The relative `docs/…` targets of the Markdown links in `file` (anchors dropped). */
function docsLinks(file: string): string[] {
  const text = readFileSync(join(REPO, file), "utf8");
  return [...text.matchAll(/\]\((docs\/[^)#\s]+)/g)].map((m) => m[1] as string);
}

describe("the release tarball", () => {
  it.each(["README.md", "INSTALL.md"])("holds every docs/ file %s links to", (file) => {
    const paths = new Set(tarballEntries(options).map((entry) => entry.path));
    const links = docsLinks(file);
    expect(links.length).toBeGreaterThan(0);
    for (const link of links) expect(paths).toContain(`${TOP}/${link}`);
  });

  it("gives the docs fixed modes: folders 0755, files 0644", () => {
    const docs = tarballEntries(options).filter((e) => e.path.startsWith(`${TOP}/docs`));
    expect(docs.length).toBeGreaterThan(1);
    for (const entry of docs) {
      expect(entry.type).not.toBe("symlink");
      if (entry.type !== "symlink") expect(entry.mode).toBe(entry.type === "dir" ? 0o755 : 0o644);
    }
  });

  it("is the same bytes when built twice", () => {
    const once = tarball({ ...options, epoch: 1_700_000_000 });
    expect(tarball({ ...options, epoch: 1_700_000_000 }).equals(once)).toBe(true);
  });
});
