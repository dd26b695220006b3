// Stands in for node:assert in every build (scripts/bundle-plugins.mjs, QUIET_ALIASES):
// follow-redirects (inside axios) asserts on every request and https-proxy-agent when it tunnels,
// and loading node:assert costs an exec its error-diffing modules and makes Node open
// process.stderr to pick colours. These checks pass unless a library has a bug, so the real
// module is loaded only to throw its own AssertionError when one fails. Any other member of
// node:assert loads the real module at first use.
let real;
const load = () => {
  real ??= require("node:assert");
  return real;
};
function ok(value, message) {
  if (!value) load().ok(value, message);
}
ok.ok = ok;
ok.equal = (actual, expected, message) => {
  // biome-ignore lint/suspicious/noDoubleEquals: node:assert's equal is ==, kept as is.
  if (actual != expected) load().equal(actual, expected, message);
};
module.exports = new Proxy(ok, {
  get: (target, key) => {
    if (key === "__esModule") return undefined;
    return Object.hasOwn(target, key) ? target[key] : load()[key];
  },
});
