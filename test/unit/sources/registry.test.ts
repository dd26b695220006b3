import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { defineSource } from "../../../provider/sources/descriptor.js";
import {
  createSource,
  describeSpec,
  type Registry,
  sourceFiles,
  sourceIsCached,
} from "../../../provider/sources/index.js";
import { SOURCES } from "../../../provider/sources/registry.js";
import type { SourceDeps } from "../../../provider/sources/source.js";
import { type SourceSpec, sourceSpec } from "../../../provider/sources/specs.js";

const sources = fileURLToPath(new URL("../../../provider/sources/", import.meta.url));

const deps: SourceDeps = {
  baseDir: "/etc/pullkey",
  readFile: () => Promise.reject(new Error("not read in this test")),
  env: {},
  now: () => new Date(0),
  stateDir: "/var/lib/pullkey",
};

// What a new source's folder holds: one descriptor (here inline, as `fake/descriptor.ts` would
// export it). Nothing else changes: the functions every caller uses find it by its type.
const fake = defineSource<{ type: "fake"; file: string }>({
  type: "fake",
  folder: "fake",
  cached: true,
  lazy: false,
  describe: (spec) => `fake ${spec.file}`,
  files: (spec) => [{ field: "file", path: spec.file }],
  load: async () => (spec) => ({
    description: `fake ${spec.file}`,
    fetch: async () => ({ username: "fake-user", password: "fake-password" }),
  }),
});

describe("the source registry", () => {
  it("lists every type the config schema admits, and no other", () => {
    const { type: types } = sourceSpec._zod.propValues;
    const admitted = [...(types ?? [])].sort();
    expect(SOURCES.map((s) => s.type).sort()).toEqual(admitted);
  });

  it.each(SOURCES.map((s) => ({ type: s.type, folder: s.folder })))(
    "finds $type's descriptor, schema and implementation in its folder $folder",
    ({ folder }) => {
      for (const file of ["descriptor.ts", "spec.ts", "source.ts"]) {
        expect(existsSync(`${sources}${folder}/${file}`)).toBe(true);
      }
    },
  );

  it("serves a source added as one descriptor, through the functions every caller uses", async () => {
    const registry = [...SOURCES, fake] as unknown as Registry;
    const spec = { type: "fake", file: "/etc/fake" } as unknown as SourceSpec;
    expect(describeSpec(spec, registry)).toBe("fake /etc/fake");
    expect(sourceFiles(spec, registry)).toEqual([{ field: "file", path: "/etc/fake" }]);
    expect(sourceIsCached(spec, registry)).toBe(true);
    const source = await createSource(spec, deps, registry);
    const signal = new AbortController().signal;
    await expect(source.fetch({ image: "x.io/a", registry: "x.io", signal })).resolves.toEqual({
      username: "fake-user",
      password: "fake-password",
    });
  });

  it.each<{ spec: SourceSpec; description: string; cached: boolean }>([
    {
      spec: { type: "static", username: "u", passwordFile: "pw" },
      description: "static pw",
      cached: false,
    },
    {
      spec: { type: "dockerConfig", path: "d.json" },
      description: "dockerConfig d.json",
      cached: false,
    },
  ])(
    "describes $description and caches it only for network sources",
    ({ spec, description, cached }) => {
      expect(describeSpec(spec)).toBe(description);
      expect(sourceIsCached(spec)).toBe(cached);
    },
  );
});
