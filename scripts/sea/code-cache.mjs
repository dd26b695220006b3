// The code caches of the single executable's modules (provider/sea/modules.ts), made for one
// architecture by that architecture's pinned Node (under qemu when it is not the host's): V8
// accepts a code cache only from the V8 that made it. provider/sea/warm.ts loads the core and
// runs the warm-up through it, so each cache holds the bytecode of the functions an exec runs.
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "../peers/run.mjs";
import { commandFor } from "./arch.mjs";
import { pinnedNode } from "./executable.mjs";

/**
 * Warms the modules in `modules` (dist/sea, scripts/build.mjs) for `arch` in a folder of its own.
 * Returns the sea-config.json `assets` (each module's source and its cache) and `remove()`.
 */
export async function warmCodeCaches({ arch, modules, log }) {
  const dir = mkdtempSync(join(tmpdir(), `pullkey-code-cache-${arch}-`));
  try {
    const names = JSON.parse(readFileSync(join(modules, "modules.json"), "utf8"));
    for (const file of [...names, "modules.json", "warm.cjs"]) {
      copyFileSync(join(modules, file), join(dir, file));
    }
    // Two builds must write the same caches. A fixed seed, as for the blob (executable.mjs): V8
    // stores string hashes in a code cache. --predictable: without it V8 tiers functions up on
    // background threads, and a flag bit of some functions in the cache followed their timing
    // (one build in three differed at the same load). Neither flag is in the hash V8 checks
    // before it accepts a cache, so the executable, running without them, accepts these.
    const warm = commandFor(arch, await pinnedNode(arch, log), [
      "--predictable",
      "--random-seed=1",
      join(dir, "warm.cjs"),
      dir,
    ]);
    // Only PATH from the build's environment: the SDKs read process.env themselves (AWS_PROFILE,
    // AWS_REGION, HTTPS_PROXY...), and what they find would change which functions run.
    const env = { PATH: process.env.PATH ?? "/usr/bin:/bin" };
    const result = await run(warm.command, warm.args, { cwd: dir, env });
    if (result.status !== 0) {
      throw new Error(`the ${arch} code caches failed (${result.status}):\n${result.output}`);
    }
    const assets = Object.fromEntries(
      names.flatMap((name) => [
        [name, join(dir, name)],
        [`${name}.cache`, join(dir, `${name}.cache`)],
      ]),
    );
    return { assets, remove: () => rmSync(dir, { recursive: true, force: true }) };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
