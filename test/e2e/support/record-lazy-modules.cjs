// Preloaded with `node --require` into the bundle under test: records the file name of every
// module compiled with vm.runInThisContext (the lazily embedded modules) into LAZY_MODULES_LOG.
const vm = require("node:vm");
const fs = require("node:fs");
const original = vm.runInThisContext;
vm.runInThisContext = function (code, options) {
  const filename = typeof options === "string" ? options : options?.filename;
  if (process.env.LAZY_MODULES_LOG && filename)
    fs.appendFileSync(process.env.LAZY_MODULES_LOG, `${filename}\n`);
  return original.call(this, code, options);
};
