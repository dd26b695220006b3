// Preloaded with NODE_OPTIONS=--require into an exec under test: records into LAZY_MODULES_LOG
// the file name of every module compiled at run time. The bundle compiles its lazily embedded
// modules with vm.runInThisContext (one line: the name); the single executable compiles each
// module with new vm.Script and the module's code cache (provider/sea/modules.ts; one line: the
// name and whether V8 accepted the cache, rejected it, or was given none).
const vm = require("node:vm");
const fs = require("node:fs");
const record = (line) => {
  if (process.env.LAZY_MODULES_LOG) fs.appendFileSync(process.env.LAZY_MODULES_LOG, `${line}\n`);
};
const runInThisContext = vm.runInThisContext;
vm.runInThisContext = function (code, options) {
  const filename = typeof options === "string" ? options : options?.filename;
  if (filename) record(filename);
  return runInThisContext.call(this, code, options);
};
vm.Script = class extends vm.Script {
  constructor(code, options) {
    super(code, options);
    if (!options?.filename) return;
    const cache =
      options.cachedData === undefined
        ? "no-cache"
        : this.cachedDataRejected
          ? "rejected"
          : "accepted";
    record(`${options.filename} ${cache}`);
  }
};
