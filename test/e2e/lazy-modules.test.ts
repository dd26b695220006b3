import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { SOURCES } from "../../provider/sources/registry.js";
import { ARTIFACTS } from "./artifacts.js";

// The kubelet runs pullkey on every cache miss, so the common path must not compile code it does
// not use. The build embeds the zod schema (config compiler), the YAML parser (one copy, shared
// by the config compiler, the installer and doctor), the installer, doctor and each SDK-backed
// source as strings compiled on first use. What went where is read
// from esbuild's own record of the build (dist/meta.json); which ones an exec compiles is
// recorded by a preload that watches vm.runInThisContext.
const bundle = ARTIFACTS[0].path;
const metaFile = fileURLToPath(new URL("../../dist/meta.json", import.meta.url));
const preload = fileURLToPath(new URL("./support/record-lazy-modules.cjs", import.meta.url));
const REQUEST = `{"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/v1","image":"docker.io/library/busybox"}\n`;

interface Metafile {
  outputs: Record<string, { inputs: Record<string, unknown> }>;
}
interface BuildMeta {
  main: Metafile;
  lazy: Record<string, Metafile>;
}

/** The npm packages whose code went into one output of the build. */
function packagesIn(metafile: Metafile): Set<string> {
  const inputs = Object.values(metafile.outputs).flatMap((o) => Object.keys(o.inputs));
  return new Set(
    inputs.flatMap((input) => {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
      return match?.[1] ? [match[1]] : [];
    }),
  );
}

describe("what the build puts where (esbuild's metafile)", () => {
  const meta = (): BuildMeta => {
    if (!existsSync(metaFile)) throw new Error(`${metaFile} is missing: run npm run build first`);
    return JSON.parse(readFileSync(metaFile, "utf8")) as BuildMeta;
  };

  it.each([
    { lazy: "pullkey-source-vault.cjs", packages: ["node-vault"] },
    {
      lazy: "pullkey-source-aws-secrets-manager.cjs",
      packages: ["@aws-sdk/client-secrets-manager", "@aws-sdk/client-sts"],
    },
    { lazy: "pullkey-config-compiler.cjs", packages: ["zod"] },
    { lazy: "pullkey-yaml.cjs", packages: ["yaml"] },
  ])("compiles $packages only inside $lazy", ({ lazy, packages }) => {
    const { main, lazy: modules } = meta();
    expect([...packagesIn(main)]).toEqual([]);
    const holder = modules[lazy];
    if (!holder) throw new Error(`no lazy module ${lazy} in dist/meta.json`);
    for (const name of packages) expect(packagesIn(holder)).toContain(name);
    // The SDKs and the YAML parser are carried once: doctor and the installer load the sources
    // from the main bundle, and every module that parses YAML asks for the one parser. zod is
    // the exception (each module keeps the little of it that it uses).
    const sdks = packages.filter((p) => p !== "zod");
    for (const [other, metafile] of Object.entries(modules)) {
      if (other === lazy) continue;
      expect({ other, sdks: sdks.filter((p) => packagesIn(metafile).has(p)) }).toEqual({
        other,
        sdks: [],
      });
    }
  });

  it("embeds a lazy module for exactly the sources whose descriptor says lazy", () => {
    const built = Object.keys(meta().lazy).filter((name) => name.startsWith("pullkey-source-"));
    const lazy = SOURCES.filter((s) => s.lazy).map((s) => `pullkey-source-${s.folder}.cjs`);
    expect(built.sort()).toEqual(lazy.sort());
  });

  it("carries the YAML parser in one lazy module, which every module that parses YAML shares", () => {
    const { lazy } = meta();
    const holders = Object.entries(lazy)
      .filter(([, metafile]) => packagesIn(metafile).has("yaml"))
      .map(([name]) => name);
    expect(holders).toEqual(["pullkey-yaml.cjs"]);
  });

  it("shares one errors.ts between the main bundle and every lazy module", () => {
    const { main, lazy } = meta();
    const inputs = (m: Metafile) => Object.values(m.outputs).flatMap((o) => Object.keys(o.inputs));
    expect(inputs(main)).toContain("provider/errors.ts");
    for (const metafile of Object.values(lazy)) {
      expect(inputs(metafile)).not.toContain("provider/errors.ts");
    }
  });
});

describe("what an exec of the bundle compiles", () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  /** A fresh folder with a static-source config and an empty stateDir, for one test. */
  function freshConfig(): string {
    dir = mkdtempSync(join(tmpdir(), "pullkey-lazy-"));
    writeFileSync(join(dir, "token"), "lazy-suite-token\n", { mode: 0o600 });
    const config = join(dir, "pullkey.yaml");
    writeFileSync(
      config,
      `apiVersion: pullkey/v1\nkind: PullkeyConfig\nstateDir: ${join(dir, "state")}\nrules:\n  - name: hub\n    preset: dockerhub\n    source: {type: static, username: robot, passwordFile: token}\n`,
    );
    return config;
  }

  function compiledModules(args: string[]): string[] {
    const log = join(dir ?? tmpdir(), `lazy-${Math.random().toString(36).slice(2)}.log`);
    const result = spawnSync(process.execPath, ["--require", preload, bundle, ...args], {
      input: REQUEST,
      env: { ...process.env, LAZY_MODULES_LOG: log },
      encoding: "utf8",
    });
    expect(result.status).toBe(0);
    return existsSync(log) ? readFileSync(log, "utf8").trim().split("\n") : [];
  }

  it("compiles only the config compiler and the YAML parser the first time it reads a config", () => {
    const config = freshConfig();
    expect(compiledModules(["--config", config]).sort()).toEqual([
      "pullkey-config-compiler.cjs",
      "pullkey-yaml.cjs",
    ]);
  });

  it("compiles nothing at all for a cache hit with an unchanged config", () => {
    const config = freshConfig();
    compiledModules(["--config", config]);
    expect(compiledModules(["--config", config])).toEqual([]);
  });

  it("compiles the config again once the config changes", () => {
    const config = freshConfig();
    compiledModules(["--config", config]);
    writeFileSync(config, `${readFileSync(config, "utf8")}# edited\n`);
    expect(compiledModules(["--config", config]).sort()).toEqual([
      "pullkey-config-compiler.cjs",
      "pullkey-yaml.cjs",
    ]);
  });

  it("never compiles the Vault or AWS sources for a config that does not use them", () => {
    const config = freshConfig();
    const all = [
      ...compiledModules(["--config", config]),
      ...compiledModules(["get", "busybox", "--config", config]),
    ];
    expect(all.filter((m) => m.startsWith("pullkey-source-"))).toEqual([]);
  });
});
