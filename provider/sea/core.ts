// The single executable's core bundle (scripts/build.mjs): what the bundle's main.ts runs, plus
// the warm-up that warm.ts runs through this same code at build time, so the code caches it
// writes are of the functions an exec runs.
export { runProcess } from "../entry.js";
export { warmUp } from "../warm-up.js";
