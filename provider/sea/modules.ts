import { Script } from "node:vm";

// How the single executable loads its code: every module (the core and each lazily loaded one)
// is compiled by V8 from its source together with a code cache made at build time, after a
// warm-up ran the plugin's paths (warm.ts), so V8 deserialises the bytecode of every function an
// exec will run instead of compiling it. The caches hold code only: no value from the build
// machine's heap, environment or files reaches an exec.

/** The core bundle's name among the executable's assets; the lazy modules keep their own. */
export const CORE = "pullkey-core.cjs";

/** Where a lazy module's stub (scripts/build.mjs) finds the loader, set before the core runs. */
export const LOADER = Symbol.for("pullkey.loadModule");

/** Where the modules come from: the executable's assets at run time, a folder at build time. */
export interface ModuleStore {
  source(name: string): string;
  /** The module's code cache, or undefined to compile it from source. */
  cache(name: string): Buffer | undefined;
}

/** A module's body, called as Node calls a CommonJS module. */
export type ModuleBody = (
  exports: object,
  require: NodeJS.Require,
  module: { exports: object },
  filename: string,
  dirname: string,
) => void;

/**
 * Returns the function that compiles a module by name and gives its body, and makes it the one
 * the lazy modules' stubs call. `compiled` sees every Script made (the warm-up keeps them to write
 * their caches).
 */
export function installModuleLoader(
  store: ModuleStore,
  compiled?: (name: string, script: Script) => void,
): (name: string) => ModuleBody {
  const load = (name: string): ModuleBody => {
    const script = new Script(
      `(function (exports, require, module, __filename, __dirname) {${store.source(name)}\n})`,
      { filename: name, cachedData: store.cache(name) },
    );
    compiled?.(name, script);
    return script.runInThisContext() as ModuleBody;
  };
  (globalThis as Record<symbol, unknown>)[LOADER] = load;
  return load;
}

/** Loads the core bundle through `load` and returns its exports. */
export function loadCore<T>(load: (name: string) => ModuleBody): T {
  const core = { exports: {} };
  load(CORE)(core.exports, require, core, CORE, "/");
  return core.exports as T;
}
