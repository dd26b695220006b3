import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Script } from "node:vm";
import type * as Core from "./core.js";
import { installModuleLoader, loadCore } from "./modules.js";

// Run once per architecture at build time, by that architecture's pinned Node (the one the
// executable embeds: a code cache is only accepted by the V8 that made it), with the folder
// holding the core and every lazy module (scripts/sea/code-cache.mjs). Loads the core from there,
// runs the warm-up through it, loads any module the warm-up did not, and writes each module's
// code cache beside it as <name>.cache: the bytecode of every function compiled so far.

const dir = process.argv[2];
if (!dir) throw new Error("usage: warm.cjs <folder with modules.json, the core first>");
const names: string[] = JSON.parse(readFileSync(join(dir, "modules.json"), "utf8"));
const scripts = new Map<string, Script>();
const load = installModuleLoader(
  { source: (name) => readFileSync(join(dir, name), "utf8"), cache: () => undefined },
  (name, script) => scripts.set(name, script),
);

async function main(folder: string): Promise<void> {
  const scratch = join(folder, "warm-up");
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { mode: 0o700 });
  try {
    await loadCore<typeof Core>(load).warmUp(scratch);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  // The installer and doctor, which no exec runs: their top level at least.
  for (const name of names) if (!scripts.has(name)) load(name);
  for (const name of names) {
    const script = scripts.get(name);
    if (!script) throw new Error(`${name} was never compiled`);
    writeFileSync(join(folder, `${name}.cache`), script.createCachedData());
  }
}

main(dir).then(
  // The warm-up's SDK clients may keep sockets or timers: the caches are written, so leave.
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`warm-up failed: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
