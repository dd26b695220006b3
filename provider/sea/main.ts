import { getAsset, getRawAsset } from "node:sea";
import type * as Core from "./core.js";
import { installModuleLoader, loadCore } from "./modules.js";

// The single executable's main script: it loads the core, and the core each lazy module, from
// the executable's own assets, each with the code cache the build made for it (modules.ts).

const load = installModuleLoader({
  source: (name) => getAsset(name, "utf8"),
  cache: (name) => {
    try {
      // The asset's own memory, not a copy: V8 reads the cache once, while compiling.
      return Buffer.from(getRawAsset(`${name}.cache`) as ArrayBuffer);
    } catch {
      return undefined;
    }
  },
});
loadCore<typeof Core>(load).runProcess();
