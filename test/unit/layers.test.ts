import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

// The layers of provider/, lowest first (README "Layout" says the same). A module (a folder, or
// a file at the top of provider/) imports only from layers below its own, never from its own
// layer or above: then no import points up and no two folders import each other.
const LAYERS: readonly { modules: readonly string[]; why: string }[] = [
  {
    modules: ["errors", "version", "abort", "sha256", "fs-async"],
    why: "what every module shares: codes, version, deadlines, hashing, awaited fs calls",
  },
  {
    modules: ["files", "io", "net-errors"],
    why: "bounded file reads, process handles, errno words",
  },
  {
    modules: ["gocompat", "protocol", "state", "node", "logs"],
    why: "rules and formats owned by others",
  },
  { modules: ["matching"], why: "the kubelet's image matching, on gocompat" },
  {
    modules: ["sources"],
    why: "one folder per credential source, knowing nothing of config files",
  },
  { modules: ["config"], why: "the config file: schema composed of the sources' schemas" },
  { modules: ["core"], why: "request -> rule -> credential -> response" },
  { modules: ["cache", "metrics"], why: "the node-local cache implements core's ThroughCache" },
  { modules: ["install"], why: "the node installer" },
  { modules: ["doctor"], why: "checks the install, the config and one pull" },
  { modules: ["commands"], why: "each command wires the layers below" },
  { modules: ["cli"], why: "argument parsing, one command" },
  {
    modules: ["entry", "warm-up"],
    why: "process handles into cli.run(); cli.run() on a scratch folder at build time",
  },
  {
    modules: ["main", "sea"],
    why: "the bundle's entry; the single executable's, its module loader and build-time warm-up",
  },
];

const root = resolve(__dirname, "../../provider");
const rank = new Map(LAYERS.flatMap((layer, i) => layer.modules.map((m) => [m, i] as const)));

/** provider/a/b.ts -> "a"; provider/errors.ts -> "errors". */
function moduleOf(file: string): string {
  const first = relative(root, file).split("/")[0] ?? "";
  return first.replace(/\.[jt]s$/, "");
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

/** Every relative import between two different modules: static, type-only, re-export, dynamic. */
function crossModuleImports(): { from: string; to: string; where: string }[] {
  return sourceFiles(root).flatMap((file) => {
    const text = readFileSync(file, "utf8");
    const specifiers = [...text.matchAll(/(?:\bfrom|\bimport\(?)\s*["'](\.{1,2}\/[^"']+)["']/g)];
    return specifiers.flatMap(([, spec]) => {
      const from = moduleOf(file);
      const to = moduleOf(resolve(dirname(file), spec ?? ""));
      return from === to ? [] : [{ from, to, where: `${relative(root, file)} -> ${spec}` }];
    });
  });
}

describe("provider/'s layers", () => {
  const imports = crossModuleImports();

  it("name every module in provider/ exactly once", () => {
    const modules = [...new Set(sourceFiles(root).map(moduleOf))].sort();
    expect(modules).toEqual([...rank.keys()].sort());
    expect(rank.size).toBe(LAYERS.flatMap((l) => l.modules).length);
  });

  it("are read from real imports (the scan is not blind)", () => {
    expect(imports.length).toBeGreaterThan(100);
    expect(imports).toContainEqual(
      expect.objectContaining({ from: "core", to: "sources", where: expect.any(String) }),
    );
  });

  it("only ever point down: no import from the module's own layer or above", () => {
    const upward = imports
      .filter(({ from, to }) => (rank.get(to) ?? Infinity) >= (rank.get(from) ?? -1))
      .map((i) => i.where);
    expect(upward).toEqual([]);
  });

  it("are the ones README's Layout section names, and it names nothing that is not there", () => {
    const readme = readFileSync(resolve(root, "../README.md"), "utf8");
    const block = readme.split("## Layout")[1]?.split("```")[1] ?? "";
    const named = [...block.matchAll(/^ {2}(\S[\w.,/ -]*?)\s{2,}/gm)].flatMap(([, names]) =>
      (names ?? "").split(", ").map((n) => n.replace(/(\/|\.ts)$/, "")),
    );
    expect(named.sort()).toEqual([...rank.keys()].sort());
  });
});
