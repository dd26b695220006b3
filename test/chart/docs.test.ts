import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { IMAGE_NAME } from "../../scripts/release/image.mjs";

/** The DaemonSet section of docs/install-script.md is what operators copy: it must say what works. */

const read = (path: string) => readFileSync(fileURLToPath(new URL(path, import.meta.url)), "utf8");
const DOC = read("../../docs/install-script.md");
const SECTION = DOC.slice(DOC.indexOf("## Fleet rollout"), DOC.indexOf("## KEP-4412"));
const VALUES = parse(read("../../deploy/helm/pullkey/values.yaml"));
const VERSION = JSON.parse(read("../../package.json")).version;

/** Whether `path` (dots, `\.` for a dot inside a key) names a value of the chart. */
function isValue(path: string): boolean {
  const keys = path.split(/(?<!\\)\./).map((key) => key.replace(/\\\./g, "."));
  let node = VALUES;
  for (const [i, key] of keys.entries()) {
    if (node === null || typeof node !== "object") return false;
    // A map the operator fills (secretFiles: name -> content) takes any key.
    if (!(key in node)) return i === keys.length - 1 && Object.keys(node).length === 0;
    node = node[key];
  }
  return true;
}

describe("docs/install-script.md, the DaemonSet", () => {
  it("sets only values the chart has (--set, --set-file)", () => {
    const paths = [...SECTION.matchAll(/--set(?:-file)? '?([^=\s']+)=/g)].map((m) => m[1] ?? "");
    expect(paths.length).toBeGreaterThan(5);
    for (const path of paths) expect({ path, value: isValue(path) }).toEqual({ path, value: true });
  });

  it("lists only values the chart has in its table", () => {
    const rows = SECTION.split("\n").filter((line) => line.startsWith("| `"));
    const names = rows.flatMap((row) =>
      [...(row.split("|")[1] ?? "").matchAll(/`([^`]+)`/g)].flatMap((m) => {
        const [, base = "", braces] = /^([^{]*?)\.?(?:\{(.+)\})?$/.exec(m[1] ?? "") ?? [];
        return braces ? braces.split(",").map((field) => `${base}.${field}`) : [base];
      }),
    );
    expect(names.length).toBeGreaterThan(10);
    for (const name of names) expect({ name, value: isValue(name) }).toEqual({ name, value: true });
  });

  it("names the files the image build writes", () => {
    expect(SECTION).toContain(`dist/release/${IMAGE_NAME}-${VERSION}.oci`);
    expect(SECTION).toContain(`dist/release/${IMAGE_NAME}-${VERSION}-linux-amd64.tar`);
  });
});
