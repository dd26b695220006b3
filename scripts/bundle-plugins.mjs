// esbuild settings every build of pullkey shares (scripts/build.mjs): the bundle, the single
// executable's core and every lazily loaded module. Each keeps code out of an exec that it would
// load or run for nothing, or that would print where the kubelet reads one line.
import { readFileSync } from "node:fs";

/**
 * Aliases for every build. `debug` (node-vault, follow-redirects, agent-base) prints request
 * options, X-Vault-Token included, when DEBUG is set, and reads DEBUG once when it loads. Replaced by a logger that never logs, DEBUG means nothing
 * to pullkey whenever it is set. `supports-color` (via debug) warns inside a single executable.
 * mime-db (via axios' form-data) is 134 KiB of JSON used only to name file uploads, which Vault
 * calls never make; form-data itself, with about twenty small packages behind it, builds
 * multipart bodies, which they never send either (its stand-in throws if anything tries).
 * node:assert, which follow-redirects and https-proxy-agent load, opens process.stderr when it
 * loads; its stand-in loads it only when an assertion fails.
 */
export const QUIET_ALIASES = {
  debug: "./scripts/silent-debug.cjs",
  "supports-color": "./scripts/empty-module.cjs",
  "mime-db": "./scripts/empty-module.cjs",
  "form-data": "./scripts/no-form-data.cjs",
  assert: "./scripts/assert-on-failure.cjs",
};

/**
 * axios reads globalThis.FormData when it loads and builds its fetch adapter (reading fetch,
 * Request and Response) even though Node uses its http adapter. In Node those globals are lazy:
 * the first read loads undici, ~24 ms per exec. Two edits keep them unread: FormData is then recognised by its
 * toString tag (Vault calls send JSON, never forms), and the fetch adapter is built only if
 * asked for, which pullkey never does. The build fails if axios changes under the edits.
 */
export const axiosWithoutWebGlobals = {
  name: "axios-without-web-globals",
  setup(pluginBuild) {
    pluginBuild.onLoad({ filter: /node_modules\/axios\/dist\/node\/axios\.cjs$/ }, (args) => {
      let text = readFileSync(args.path, "utf8");
      const edits = [
        [
          "const FormDataCtor = typeof G.FormData !== 'undefined' ? G.FormData : undefined;",
          "const FormDataCtor = undefined;",
        ],
        ["\ngetFetch();\n", "\n"],
      ];
      for (const [from, to] of edits) {
        if (text.split(from).length !== 2) {
          throw new Error(`axios changed: expected exactly one ${JSON.stringify(from)}`);
        }
        text = text.replace(from, to);
      }
      return { contents: text, loader: "js" };
    });
  },
};

/**
 * Built-in modules that SDKs load when they load, though an exec may never use them: axios loads
 * http, https, http2 and tls, and a Vault call over http needs only http; axios and form-data load
 * crypto for multipart boundaries, which Vault calls never send. Each gets a stand-in
 * that loads the real module on first use (test/e2e/warm-start.test.ts checks which load). The
 * stand-in must list the module's keys without loading it (esbuild's ESM
 * interop copies them at import), so the keys are read from the embedded runtime at build time.
 */
const LAZY_BUILTINS = ["http", "https", "http2", "tls", "child_process", "tty", "crypto"];

/** The keys of each lazy built-in, as the Node that `spawnNode` runs exports them. */
export function lazyBuiltinKeys(spawnNode) {
  const script = `const o={};for(const m of ${JSON.stringify(LAZY_BUILTINS)})o[m]=Object.keys(require(m));process.stdout.write(JSON.stringify(o))`;
  return JSON.parse(spawnNode(["-e", script]));
}

/** Replaces the LAZY_BUILTINS with stand-ins that load them on first use (see above). */
export function lazyBuiltins(keys) {
  const pattern = new RegExp(`^(node:)?(${LAZY_BUILTINS.join("|")})$`);
  return {
    name: "lazy-builtins",
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: pattern }, (args) =>
        args.namespace === "lazy-builtin"
          ? { path: args.path, external: true }
          : { path: args.path.replace(/^node:/, ""), namespace: "lazy-builtin" },
      );
      pluginBuild.onLoad({ filter: /.*/, namespace: "lazy-builtin" }, (args) => ({
        loader: "js",
        contents: standIn(args.path, keys[args.path]),
      }));
    },
  };
}

function standIn(name, keys) {
  return `const KEYS = ${JSON.stringify(keys)};
let real;
function load() {
  return (real ??= require("node:${name}"));
}
module.exports = new Proxy({}, {
  get: (_, key) => (key === "__esModule" ? undefined : load()[key]),
  has: (_, key) => key !== "__esModule" && key !== "default" && key in load(),
  ownKeys: () => (real ? Reflect.ownKeys(real) : KEYS),
  getOwnPropertyDescriptor: (_, key) => {
    if (!real && KEYS.includes(key)) return { configurable: true, enumerable: true, writable: true, value: undefined };
    const found = Reflect.getOwnPropertyDescriptor(load(), key);
    return found && { ...found, configurable: true };
  },
  getPrototypeOf: () => Object.prototype,
  set: (_, key, value) => { load()[key] = value; return true; },
});
`;
}
