// Builds a Node single executable application (SEA) for one architecture: the pinned Node
// runtime for that architecture (scripts/sea/package.json) with the bundle injected as its main
// script. Used by scripts/build.mjs (the host's dist/pullkey) and scripts/release (amd64 and
// arm64). The output depends only on the bundle and the pinned runtime: no build path, time or
// process id ends up in it, so two builds of one bundle are the same bytes.

import { createHash } from "node:crypto";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { run } from "../peers/run.mjs";
import { checkArch, commandFor, ensureToolsFor, stripFor } from "./arch.mjs";
import { claimFixedFolder } from "./fixed-folder.mjs";

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

/**
 * The blob maker's command run as pid 1 of a new pid namespace: a startup snapshot keeps the
 * process id of the Node that made it, so only a fixed pid makes two builds the same bytes.
 * unshare(1) needs root or unprivileged user namespaces; without either, the build still works
 * and says that its snapshot holds a random pid.
 */
let unshareArgs;
async function inOwnPidNamespace({ command, args }, log) {
  if (unshareArgs === undefined) {
    unshareArgs = null;
    for (const candidate of [
      ["--pid", "--fork"],
      ["--user", "--map-root-user", "--pid", "--fork"],
    ]) {
      const probe = await run("unshare", [...candidate, "true"]).catch(() => ({ status: -1 }));
      if (probe.status === 0) {
        unshareArgs = candidate;
        break;
      }
    }
    if (unshareArgs === null) {
      log("unshare cannot make a pid namespace here; a snapshot will hold this build's pid");
    }
  }
  return unshareArgs
    ? { command: "unshare", args: [...unshareArgs, command, ...args] }
    : { command, args };
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
 * not the host's). `seaConfig` adds fields to sea-config.json (e.g. `useSnapshot: true`).
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
  // At a path that follows from the inputs alone (scripts/sea/fixed-folder.mjs): a snapshot
  // keeps the path of the runtime that made it.
  const key = createHash("sha256")
    .update(JSON.stringify({ arch, seaConfig, node: pinnedNodeVersion(arch) }))
    .update(readFileSync(bundle))
    .digest("hex")
    .slice(0, 16);
  const work = await claimFixedFolder(key);
  const staged = join(dirname(out), `.${basename(out)}.${process.pid}.tmp`);
  try {
    // The blob records the main script's name (stack traces show it), and a startup snapshot
    // records it as an absolute path: /proc/self/cwd names the work folder (the blob maker's
    // working directory) the same way in every build, so the build's own path never gets in.
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
    // The blob must be made by the runtime that runs it: the code cache (and a startup snapshot)
    // is V8 machine code and heap for one architecture, so the target's own Node makes it: that
    // copy, before the blob goes in, run by the same /proc/self/cwd name in every build (a
    // snapshot keeps the runtime's path). V8 stores string hashes in the cache, seeded at random
    // per process; a fixed seed makes the blob the same bytes every time. The seed is not part of
    // the cache's flag check, and the executable still seeds its own hashes at random when it runs.
    const blobMaker = commandFor(arch, "/proc/self/cwd/pullkey", [
      "--random-seed=1",
      "--experimental-sea-config",
      "sea-config.json",
    ]);
    const isolated = await inOwnPidNamespace(blobMaker, log);
    await mustRun(isolated.command, isolated.args, { cwd: work });
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
