import { runProcess } from "./entry.js";

// The bundle's entry (dist/pullkey.cjs, for nodes with Node): modules it does not always need
// are compiled on first use (scripts/build.mjs). The single executable runs sea/main.ts instead,
// which loads sea/core.ts.
runProcess();
