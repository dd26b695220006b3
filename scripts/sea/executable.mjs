// Builds a Node single executable application (SEA) for one architecture: the pinned Node
// runtime for that architecture (scripts/sea/package.json) with a main script and its assets
// injected (scripts/build.mjs: provider/sea/main.ts and the modules it loads). Used by scripts/build.mjs (the host's dist/pullkey) and scripts/release (amd64 and
// arm64). The output depends only on its inputs and the pinned runtime: no build path, time or
// process id ends up in it, so two builds of the same inputs are the same bytes.

import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { run } from "../peers/run.mjs";
import { checkArch, commandFor, ensureToolsFor, stripFor } from "./arch.mjs";

const here = dirname(fileURLToPath(import.meta.url));

/** The npm package holding the pinned Node runtime for `arch`. */
const runtimePackage = (arch) => `node-linux-${arch}`;

/** The embedded Node's version for `arch`, from the pinned package (e.g. "24.21.0"). */
export function pinnedNodeVersion(arch) {
  checkArch(arch);
  const lock = JSON.parse(readFileSync(join(here, "package-lock.json"), "utf8"));
  return lock.packages[`node_modules/${runtimePackage(arch)}`].version;
}

/**
 * The pinned Node binary for `arch`, installed from scripts/sea/package-lock.json on first use.
 * npm refuses a package built for another CPU unless forced; --force lifts only that check here,
 * since `npm ci` still verifies every file against the lockfile's integrity hashes.
 */
export async function pinnedNode(arch, log) {
  checkArch(arch);
  const node = join(here, "node_modules", runtimePackage(arch), "bin", "node");
  if (!existsSync(node)) {
    log("installing the pinned Node runtimes for the single executables (scripts/sea)");
    await mustRun("npm", ["ci", "--force", "--no-audit", "--no-fund", "--loglevel=error"], {
      cwd: here,
    });
  }
  return node;
}

/** Runs a tool, showing its chatter only when it fails. */
async function mustRun(command, args, options = {}) {
  const result = await run(command, args, options);
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(" ")} exited ${result.status}:\n${result.output}`);
  }
  return result.output;
}

/**
 * Builds the single executable for `arch` from `bundle` (one CommonJS file) into `out`,
 * replacing it atomically, and returns what `out version` prints (run under qemu when `arch` is
 * not the host's). `seaConfig` adds fields to sea-config.json (e.g. `assets`: name to file).
 */
export async function buildExecutable({
  arch,
  bundle,
  out,
  seaConfig = {},
  log = (line) => process.stderr.write(`sea: ${line}\n`),
}) {
  checkArch(arch);
  await ensureToolsFor(arch, `the ${arch} single executable`);
  const node = await pinnedNode(arch, log);
  mkdirSync(dirname(out), { recursive: true });
  const work = mkdtempSync(join(tmpdir(), "pullkey-sea-"));
  const staged = join(dirname(out), `.${basename(out)}.${process.pid}.tmp`);
  try {
    // The blob records the main script's name (stack traces show it): /proc/self/cwd names the
    // work folder (the blob maker's working directory) the same way in every build, so the
    // build's own path never gets in.
    copyFileSync(bundle, join(work, "pullkey.cjs"));
    writeFileSync(
      join(work, "sea-config.json"),
      JSON.stringify({
        main: "/proc/self/cwd/pullkey.cjs",
        output: "pullkey.blob",
        disableExperimentalSEAWarning: true,
        useCodeCache: true,
        ...seaConfig,
      }),
    );
    // The executable starts as a copy of the pinned runtime. Debug symbols are a sixth of the
    // binary and never used on a node.
    const exe = join(work, "pullkey");
    copyFileSync(node, exe);
    chmodSync(exe, 0o755);
    const strip = await run(stripFor(arch), ["--strip-all", exe]).catch((error) => ({
      status: -1,
      output: error.message,
    }));
    if (strip.status !== 0) {
      log(`${stripFor(arch)} failed; the ${arch} executable keeps its symbols`);
    }
    // The blob must be made by the runtime that runs it: the main script's code cache is V8
    // bytecode for one V8 and architecture, so the target's own Node makes it: that copy, before
    // the blob goes in. V8 stores string hashes in the cache, seeded at random per process; a
    // fixed seed makes the blob the same bytes every time. The seed is not part of the cache's
    // flag check, and the executable still seeds its own hashes at random when it runs.
    const blobMaker = commandFor(arch, join(work, "pullkey"), [
      "--random-seed=1",
      "--experimental-sea-config",
      "sea-config.json",
    ]);
    await mustRun(blobMaker.command, blobMaker.args, { cwd: work });
    // postject, Node's documented SEA injector; its harmless ELF note warnings stay quiet.
    const postject = createRequire(import.meta.url).resolve("postject/dist/cli.js");
    await mustRun(process.execPath, [
      postject,
      exe,
      "NODE_SEA_BLOB",
      join(work, "pullkey.blob"),
      "--sentinel-fuse",
      "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2",
      "--overwrite",
    ]);
    const check = commandFor(arch, exe, ["version"]);
    const version = (await mustRun(check.command, check.args)).trim();
    // Staged beside `out` and renamed: a kubelet (or a test) running the old file gets the old
    // one or the new one, never half of either.
    copyFileSync(exe, staged);
    chmodSync(staged, 0o755);
    renameSync(staged, out);
    log(
      `${basename(out)} ${(statSync(out).size / 1024 / 1024).toFixed(1)} MiB, ${arch} (${version})`,
    );
    return version;
  } finally {
    rmSync(staged, { force: true });
    rmSync(work, { recursive: true, force: true });
  }
}
