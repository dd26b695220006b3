#!/usr/bin/env node
// Builds pullkey: dist/pullkey.cjs (one esbuild bundle, run by any Node >= 20) and dist/pullkey
// (a Node single executable application for this machine's architecture, embedding the pinned
// runtime from scripts/sea, so nodes need no Node.js; scripts/sea/executable.mjs builds it).
// `--bundle-only` skips the single executable; `--executable=<arch>=<file>` (repeatable) builds
// that architecture's instead of dist/pullkey; `--build-id=<id>` replaces the random build id;
// `--schema-only` regenerates config/pullkey.schema.json from the zod schema.
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, relative, resolve as resolvePath } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { brotliCompressSync } from "node:zlib";
import { build } from "esbuild";
import {
  axiosWithoutWebGlobals,
  lazyBuiltinKeys,
  lazyBuiltins,
  QUIET_ALIASES,
} from "./bundle-plugins.mjs";
import { HOST_ARCH } from "./sea/arch.mjs";
import { warmCodeCaches } from "./sea/code-cache.mjs";
import { buildExecutable, pinnedNode } from "./sea/executable.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
const argv = process.argv.slice(2);
const args = new Set(argv);
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
// Tells builds of one version apart: a config compiled by another build is never reused, since
// the compiled form (expanded presets, resolved rules) may differ between them. A release passes
// `--build-id=<commit>` instead, so its bytes depend on the commit alone (scripts/release).
const buildId =
  argv.find((a) => a.startsWith("--build-id="))?.slice("--build-id=".length) ||
  `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
const log = (line) => process.stderr.write(`build: ${line}\n`);

/** The esbuild settings shared by the bundle and the schema generator. */
const common = {
  bundle: true,
  platform: "node",
  target: "node20",
  logLevel: "warning",
  absWorkingDir: root,
};

/** Each `lazy` source's implementation, read from the registry of source descriptors. */
async function lazySources() {
  // Inside the repo, so the packages behind each load() (bundled, never run) resolve.
  mkdirSync(dist, { recursive: true });
  const out = join(dist, `.registry-${process.pid}.mjs`);
  await build({
    ...common,
    entryPoints: ["provider/sources/registry.ts"],
    outfile: out,
    format: "esm",
    packages: "external",
  });
  try {
    const { SOURCES } = await import(pathToFileURL(out).href);
    return SOURCES.filter((s) => s.lazy).map((s) => [
      `provider/sources/${s.folder}/source.ts`,
      `pullkey-source-${s.folder}.cjs`,
    ]);
  } finally {
    rmSync(out, { force: true });
  }
}

/**
 * Modules the plugin needs only some of the time, each bundled on its own and embedded in the
 * main bundle as a string compiled on first import(): V8 skims a string literal at start-up
 * instead of pre-parsing its code (shared/reference/packaging.md: a lazy import() inside one
 * bundle recovers only half of the cost; separate code compiled on demand recovers it all).
 * The Vault and AWS sources carry their SDKs; the config compiler carries the zod schema (and
 * asks for the shared YAML parser, LAZY_PACKAGES), needed only when the config changed (provider/config/compiled.ts); the installer
 * and doctor are for humans; metrics and logs run only when configured.
 * Sources with `lazy: true` in their descriptor (provider/sources/registry.ts) are added from
 * that list, so a new SDK-backed source needs no line here.
 * Key: source file; value: the file name the embedded code reports in stack traces.
 */
const LAZY_MODULES = new Map([
  ...(await lazySources()),
  ["provider/config/compile.ts", "pullkey-config-compiler.cjs"],
  ["provider/commands/install.ts", "pullkey-installer.cjs"],
  ["provider/commands/doctor.ts", "pullkey-doctor.cjs"],
  ["provider/commands/observe.ts", "pullkey-metrics-and-logs.cjs"],
]);

/**
 * npm packages several lazy modules use, embedded once as a lazy module of their own: the
 * installer, doctor and the config compiler all parse YAML, and one copy of the parser serves
 * them (compiled on first use, never on a cache hit). zod is not shared: each module keeps only
 * the few kilobytes of it that it uses, where a shared copy would hold all of it.
 * Key: package; value: the file name the embedded code reports in stack traces.
 */
const LAZY_PACKAGES = new Map([["yaml", "pullkey-yaml.cjs"]]);

/**
 * Modules a lazy module shares with the main bundle instead of carrying its own copy: one
 * `errors.ts`, so `instanceof PullkeyError` holds for an error thrown inside a lazy module, and
 * the source registry, whose descriptors (and the implementations they load) the main bundle
 * already holds.
 */
const SHARED_MODULES = ["provider/errors.ts", "provider/sources/registry.ts"];

/** The repository-relative .ts file an import of `path` from `resolveDir` names. */
const sourceFile = (resolveDir, path) =>
  relative(root, resolvePath(resolveDir, path)).replace(/\.js$/, ".ts");

/**
 * Inside a lazy module, an import of a shared module or of a shared package, or an import() of
 * another lazy module (the doctor loads the sources), becomes a require("pullkey:<file>") that
 * the embedding code answers from the main bundle, so no lazy module carries a second copy of an
 * SDK, of the YAML parser or of errors.ts.
 */
const mainBundleModules = (self, lazyModules) => ({
  name: "main-bundle-modules",
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^pullkey:/ }, (args) => ({ path: args.path, external: true }));
    pluginBuild.onResolve({ filter: /^[^./]/ }, (args) =>
      LAZY_PACKAGES.has(args.path) && args.path !== self
        ? { path: args.path, namespace: "from-main-bundle" }
        : undefined,
    );
    pluginBuild.onResolve({ filter: /^\./ }, (args) => {
      const file = sourceFile(args.resolveDir, args.path);
      const shared = SHARED_MODULES.includes(file);
      const lazy = args.kind === "dynamic-import" && lazyModules.has(file) && file !== self;
      return shared || lazy ? { path: file, namespace: "from-main-bundle" } : undefined;
    });
    pluginBuild.onLoad({ filter: /.*/, namespace: "from-main-bundle" }, (args) => ({
      loader: "js",
      contents: `module.exports = require(${JSON.stringify(`pullkey:${args.path}`)});`,
    }));
  },
});

/**
 * Code compiled with vm.runInThisContext cannot import() (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING),
 * and the AWS SDK's HTTP handler loads node:http with import(). Builtins loaded that way are
 * turned into require() calls, which the embedded code gets from the main bundle.
 */
const builtinsByRequire = {
  name: "builtins-by-require",
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^node:/ }, (args) =>
      args.kind === "dynamic-import" ? { path: args.path, namespace: "builtin" } : undefined,
    );
    pluginBuild.onLoad({ filter: /.*/, namespace: "builtin" }, (args) => ({
      loader: "js",
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
    }));
  },
};

/**
 * Embeds each lazy module; `metafiles` collects each one's esbuild metafile by file name, so
 * dist/meta.json can show which inputs (an SDK, the YAML parser) went where.
 */
function embedLazyModules(metafiles, lazyModules, plugins, assets) {
  return {
    name: "embed-lazy-modules",
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /^\./ }, (args) => {
        // import() from the plugin's code, or a lazy module asking for another (fromMain below).
        if (args.kind !== "dynamic-import" && args.namespace !== "lazy-module") return undefined;
        const file = sourceFile(args.resolveDir, args.path);
        return lazyModules.has(file) ? { path: file, namespace: "lazy-module" } : undefined;
      });
      // A shared package, asked for by a lazy module (fromMain below).
      pluginBuild.onResolve({ filter: /^pullkey-package:/ }, (args) => ({
        path: args.path.slice("pullkey-package:".length),
        namespace: "lazy-module",
      }));
      pluginBuild.onLoad({ filter: /.*/, namespace: "lazy-module" }, async (args) => {
        const entry = LAZY_PACKAGES.has(args.path)
          ? { stdin: { contents: `export * from ${JSON.stringify(args.path)};`, resolveDir: root } }
          : { entryPoints: [args.path] };
        const inner = await build({
          ...common,
          ...entry,
          format: "cjs",
          minify: true,
          legalComments: "none",
          write: false,
          metafile: true,
          define: {
            PULLKEY_VERSION: JSON.stringify(pkg.version),
            PULLKEY_BUILD: JSON.stringify(buildId),
          },
          // ESM builds of the AWS SDK bundle smaller (packaging.md: 325 KB instead of 469 KB).
          mainFields: ["module", "main"],
          alias: QUIET_ALIASES,
          plugins: [
            ...plugins,
            builtinsByRequire,
            mainBundleModules(args.path, lazyModules),
            axiosWithoutWebGlobals,
          ],
        });
        const filename = lazyModules.get(args.path) ?? LAZY_PACKAGES.get(args.path);
        metafiles[filename] = inner.metafile;
        // The single executable's core: the module is an asset of its own, compiled with its
        // code cache by the loader provider/sea/main.ts installs (provider/sea/modules.ts).
        // The bundle: the module is embedded as a string. Brotli shrinks it about fourfold, and
        // V8 must scan every byte of the bundle's source at start-up; decompressing costs only
        // the execs that use it.
        assets?.set(filename, inner.outputFiles[0].text);
        const compile = assets
          ? [
              `const wrapped = globalThis[Symbol.for("pullkey.loadModule")](${JSON.stringify(filename)});`,
            ]
          : [
              'const { runInThisContext } = require("node:vm");',
              'const { brotliDecompressSync } = require("node:zlib");',
              `const code = brotliDecompressSync(Buffer.from(${JSON.stringify(brotliCompressSync(inner.outputFiles[0].contents).toString("base64"))}, "base64")).toString("utf8");`,
              `const wrapped = runInThisContext("(function (exports, require, module) {" + code + "\\n})", { filename: ${JSON.stringify(filename)} });`,
            ];
        return {
          loader: "js",
          resolveDir: root,
          contents: [
            ...compile,
            // What the lazy module asks of the main bundle (mainBundleModules): its shared
            // modules, and the other lazy modules, each compiled at most once.
            "const fromMain = {",
            ...SHARED_MODULES.map(
              (f) =>
                `  ${JSON.stringify(`pullkey:${f}`)}: () => require(${JSON.stringify(`./${f}`)}),`,
            ),
            ...[...lazyModules.keys()]
              .filter((f) => f !== args.path)
              .map(
                (f) =>
                  `  ${JSON.stringify(`pullkey:${f}`)}: () => require(${JSON.stringify(`./${f}`)}),`,
              ),
            ...[...LAZY_PACKAGES.keys()]
              .filter((p) => p !== args.path)
              .map(
                (p) =>
                  `  ${JSON.stringify(`pullkey:${p}`)}: () => require(${JSON.stringify(`pullkey-package:${p}`)}),`,
              ),
            "};",
            "const requireFromMain = (id) => (Object.hasOwn(fromMain, id) ? fromMain[id]() : require(id));",
            "const loaded = { exports: {} };",
            "wrapped.call(loaded.exports, loaded.exports, requireFromMain, loaded);",
            "module.exports = loaded.exports;",
          ].join("\n"),
        };
      });
    },
  };
}

/**
 * Bundles `entry` into `outDir`/`name`. The bundle (provider/main.ts) embeds every LAZY_MODULES
 * entry as a string; the single executable's core (provider/sea/core.ts) is given `assets`, a Map
 * that receives each lazy module's code instead (embedLazyModules). Both get stand-ins for the
 * built-ins an exec rarely uses (lazyBuiltins: axios loads http2 and tls when it loads, a Vault
 * call over http uses neither), listed as the `node` that will run the output has them. `meta`
 * names the metafile written to dist, if any.
 */
async function bundle({
  entry = "provider/main.ts",
  name = "pullkey.cjs",
  outDir = dist,
  meta = "meta.json",
  lazyModules = LAZY_MODULES,
  assets,
  shebang = true,
  node = process.execPath,
} = {}) {
  const keys = lazyBuiltinKeys((argv) => execFileSync(node, argv, { encoding: "utf8" }));
  const plugins = [lazyBuiltins(keys)];
  mkdirSync(outDir, { recursive: true });
  const final = join(outDir, name);
  // Built beside the final name and renamed into place: a kubelet (or a test) running the old
  // file at that moment gets the old one or the new one, never half of either.
  const outfile = join(outDir, `.${name}.${process.pid}.tmp`);
  const lazyMetafiles = {};
  const result = await build({
    ...common,
    entryPoints: [entry],
    outfile,
    // CommonJS starts 12-35 ms faster than ESM for the same code (shared/reference/packaging.md).
    format: "cjs",
    minify: true,
    legalComments: "none",
    ...(shebang ? { banner: { js: "#!/usr/bin/env node" } } : {}),
    define: {
      PULLKEY_VERSION: JSON.stringify(pkg.version),
      PULLKEY_BUILD: JSON.stringify(buildId),
    },
    // ESM builds of the AWS SDK bundle smaller (packaging.md: 325 KB instead of 469 KB).
    mainFields: ["module", "main"],
    alias: QUIET_ALIASES,
    metafile: true,
    plugins: [
      embedLazyModules(lazyMetafiles, lazyModules, plugins, assets),
      axiosWithoutWebGlobals,
      ...plugins,
    ],
  });
  // What went into the main bundle and into each lazily compiled module: the tests read it to
  // prove an SDK is compiled only with its source (test/e2e/lazy-modules.test.ts).
  if (meta) {
    writeFileSync(
      join(dist, meta),
      `${JSON.stringify({ main: result.metafile, lazy: lazyMetafiles }, null, 1)}\n`,
    );
  }
  chmodSync(outfile, 0o755);
  renameSync(outfile, final);
  const inputs = Object.entries(result.metafile.outputs[relative(root, outfile)]?.inputs ?? {})
    .map(([file, info]) => [file.replace(/^node_modules\//, ""), info.bytesInOutput])
    .sort((a, b) => b[1] - a[1])
    .slice(0, 4)
    .map(([file, bytes]) => `${file} ${(bytes / 1024).toFixed(1)} KiB`);
  log(
    `${relative(root, final)} ${(statSync(final).size / 1024).toFixed(1)} KiB (largest: ${inputs.join(", ")})`,
  );
  return final;
}

async function schema() {
  // Inside the repo, so the bundle resolves zod from node_modules.
  mkdirSync(dist, { recursive: true });
  const out = join(dist, `.schema-${process.pid}.mjs`);
  await build({
    ...common,
    entryPoints: ["scripts/schema-entry.ts"],
    outfile: out,
    format: "esm",
    packages: "external",
  });
  try {
    const { renderSchema } = await import(pathToFileURL(out).href);
    const file = join(root, "config", "pullkey.schema.json");
    writeFileSync(file, renderSchema());
    log(`wrote ${relative(root, file)}`);
  } finally {
    rmSync(out, { force: true });
  }
}

/**
 * dist/sea: what the single executable is made of (provider/sea). main.cjs is its main script; it
 * loads pullkey-core.cjs (the plugin, run as the bundle's main.ts runs it), and the core each lazy
 * module as it needs it, every one from the executable's assets with the code cache that warm.cjs
 * writes at build time (scripts/sea/code-cache.mjs). modules.json lists every module, the core
 * first (the name provider/sea/modules.ts loads it by).
 */
async function seaModules() {
  const core = "pullkey-core.cjs";
  const dir = join(dist, "sea");
  rmSync(dir, { recursive: true, force: true });
  const node = seaRuntime();
  const assets = new Map();
  await bundle({
    entry: "provider/sea/core.ts",
    name: core,
    outDir: dir,
    meta: "meta-sea.json",
    assets,
    shebang: false,
    node,
  });
  for (const [file, code] of assets) writeFileSync(join(dir, file), code);
  // Sorted: esbuild finishes the lazy modules in no fixed order, and the executable's assets
  // follow this list (two builds must be the same bytes).
  const names = [core, ...[...assets.keys()].sort()];
  writeFileSync(join(dir, "modules.json"), `${JSON.stringify(names)}\n`);
  for (const part of ["main", "warm"]) {
    await bundle({
      entry: `provider/sea/${part}.ts`,
      name: `${part}.cjs`,
      outDir: dir,
      meta: null,
      lazyModules: new Map(),
      shebang: false,
      node,
    });
  }
  return dir;
}

/**
 * The single executables to build: `--executable=<arch>=<file>` for each one asked for (a
 * release asks for x64 and arm64, scripts/release), else the host's dist/pullkey.
 */
function executableTargets() {
  const asked = argv
    .filter((a) => a.startsWith("--executable="))
    .map((a) => {
      const [arch, ...file] = a.slice("--executable=".length).split("=");
      return { arch, out: resolvePath(file.join("=")) };
    });
  return asked.length > 0 ? asked : [{ arch: HOST_ARCH, out: join(dist, "pullkey") }];
}

/** The host's pinned runtime (scripts/sea): the single executable's modules are bundled for it. */
function seaRuntime() {
  return join(root, "scripts", "sea", "node_modules", `node-linux-${HOST_ARCH}`, "bin", "node");
}

if (args.has("--schema-only")) {
  await schema();
} else {
  await bundle();
  if (!args.has("--bundle-only")) {
    await pinnedNode(HOST_ARCH, log);
    const modules = await seaModules();
    for (const { arch, out } of executableTargets()) {
      const warm = await warmCodeCaches({ arch, modules, log });
      try {
        await buildExecutable({
          arch,
          bundle: join(modules, "main.cjs"),
          out,
          seaConfig: { assets: warm.assets },
          log,
        });
      } finally {
        warm.remove();
      }
    }
  }
}
