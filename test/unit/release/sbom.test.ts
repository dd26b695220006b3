import { describe, expect, it } from "vitest";
import { bundledPackageFolders, packageFolder } from "../../../scripts/release/sbom.mjs";

// The release SBOM names the npm packages inside the executable from esbuild's metafile input
// paths: one package per folder, scoped and nested installs included, the plugin's own code not.
describe("the npm package an esbuild input belongs to", () => {
  it.each([
    {
      why: "a plain package",
      input: "node_modules/zod/v4/core/core.js",
      folder: "node_modules/zod",
    },
    {
      why: "a scoped package",
      input: "node_modules/@smithy/core/dist-es/index.js",
      folder: "node_modules/@smithy/core",
    },
    {
      why: "a nested install is its own package, at its own version",
      input: "node_modules/node-vault/node_modules/debug/src/index.js",
      folder: "node_modules/node-vault/node_modules/debug",
    },
    {
      why: "a nested scoped install",
      input: "node_modules/a/node_modules/@b/c/index.js",
      folder: "node_modules/a/node_modules/@b/c",
    },
    {
      why: "a path outside the checkout (a linked node_modules)",
      input: "../../work/repo/node_modules/yaml/dist/index.js",
      folder: "../../work/repo/node_modules/yaml",
    },
    { why: "pullkey's own source", input: "provider/main.ts", folder: undefined },
    {
      why: "a lazy module's placeholder",
      input: "lazy-module:provider/commands/doctor.ts",
      folder: undefined,
    },
    {
      why: "a package's file at the folder root",
      input: "node_modules/ms/index.js",
      folder: "node_modules/ms",
    },
  ])("$why", ({ input, folder }) => {
    expect(packageFolder(input)).toBe(folder);
  });
});

describe("the packages a build bundled", () => {
  const meta = (inputs: Record<string, number>) => ({
    outputs: {
      "out.cjs": {
        inputs: Object.fromEntries(
          Object.entries(inputs).map(([k, v]) => [k, { bytesInOutput: v }]),
        ),
      },
    },
  });

  it("counts the main bundle and every lazy module once, and leaves out inputs tree-shaken to nothing", () => {
    const folders = bundledPackageFolders({
      main: meta({ "node_modules/zod/index.js": 100, "provider/main.ts": 50 }),
      lazy: {
        "pullkey-yaml.cjs": meta({ "node_modules/yaml/a.js": 10, "node_modules/zod/other.js": 5 }),
        "pullkey-doctor.cjs": meta({ "node_modules/unused/index.js": 0 }),
      },
    });
    expect(folders.sort()).toEqual(["node_modules/yaml", "node_modules/zod"]);
  });
});
