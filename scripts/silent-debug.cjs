// Stands in for the `debug` package in every build (scripts/bundle-plugins.mjs, QUIET_ALIASES):
// the same API, and loggers that never log, whatever DEBUG says.
const never = () => false;
function createDebug(namespace) {
  const log = () => {};
  log.namespace = namespace;
  log.enabled = false;
  log.extend = (suffix, delimiter = ":") => createDebug(`${namespace}${delimiter}${suffix}`);
  log.destroy = never;
  log.log = () => {};
  return log;
}
createDebug.debug = createDebug;
createDebug.default = createDebug;
createDebug.enable = () => {};
createDebug.disable = () => "";
createDebug.enabled = never;
createDebug.names = [];
createDebug.skips = [];
module.exports = createDebug;
