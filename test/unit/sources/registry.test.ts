import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { validateConfig } from "../../../provider/config/validate.js";
import { answerRequest } from "../../../provider/core/answer.js";
import { defineSource } from "../../../provider/sources/descriptor.js";
import {
  createSource,
  describeSpec,
  type Registry,
  sourceFiles,
  sourceIsCached,
} from "../../../provider/sources/index.js";
import { SOURCES, type SourceSpec } from "../../../provider/sources/registry.js";
import type { SourceDeps } from "../../../provider/sources/source.js";

const sources = fileURLToPath(new URL("../../../provider/sources/", import.meta.url));

const deps: SourceDeps = {
  baseDir: "/etc/pullkey",
  readFile: () => Promise.reject(new Error("not read in this test")),
  env: {},
  now: () => new Date(0),
  stateDir: "/var/lib/pullkey",
};

// What a new source's folder holds: one descriptor (here inline, as `fake/descriptor.ts` would
// export it), with its schema, its label, its files and its implementation. Nothing else
// changes: config validation, the plugin's core and every command find it by its type.
const fake = defineSource<{ type: "fake"; file: string }>({
  type: "fake",
  schema: (z) =>
    z.strictObject({ type: z.literal("fake"), file: z.string().check(z.minLength(1)) }),
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
  it.each(SOURCES.map((s) => ({ type: s.type, folder: s.folder })))(
    "finds $type's descriptor, schema and implementation in its folder $folder",
    ({ folder }) => {
      for (const file of ["descriptor.ts", "spec.ts", "source.ts"]) {
        expect(existsSync(`${sources}${folder}/${file}`)).toBe(true);
      }
    },
  );

  it("validates a config and answers the kubelet through a source added as one descriptor", async () => {
    const registry = [...SOURCES, fake] as unknown as Registry;
    const rule = { name: "fake", match: ["x.io"], source: { type: "fake", file: "/etc/fake" } };
    const doc = { apiVersion: "pullkey/v1", kind: "PullkeyConfig", rules: [rule] };
    const { config, errors } = validateConfig(doc, "/etc/pullkey/config.yaml", registry);
    expect(errors).toEqual([]);
    if (!config) throw new Error("no config");
    const answer = await answerRequest(
      { apiVersion: "credentialprovider.kubelet.k8s.io/v1", image: "x.io/team/app" },
      config,
      {
        createSource: (spec) => createSource(spec, deps, registry),
        now: () => new Date(0),
        signal: new AbortController().signal,
        sleep: async () => undefined,
        sources: registry,
      },
    );
    expect(answer.source).toBe("fake /etc/fake");
    expect(answer.response.auth).toEqual({
      "x.io": { username: "fake-user", password: "fake-password" },
    });
  });

  it("refuses a config naming a source that is not registered", () => {
    const rule = { name: "fake", match: ["x.io"], source: { type: "fake", file: "/etc/fake" } };
    const doc = { apiVersion: "pullkey/v1", kind: "PullkeyConfig", rules: [rule] };
    expect(validateConfig(doc, "/etc/pullkey/config.yaml").errors).not.toEqual([]);
  });

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
