// Preloaded with NODE_OPTIONS=--require into an exec under test: at exit, writes every built-in
// module and internal binding the process holds (process.moduleLoadList) to LOADED_MODULES_LOG.
const fs = require("node:fs");
process.on("exit", () => {
  if (process.env.LOADED_MODULES_LOG)
    fs.writeFileSync(process.env.LOADED_MODULES_LOG, process.moduleLoadList.join("\n"));
});
