/**
 * Secrets are radioactive: the `debug` package (used by node-vault, and by follow-redirects
 * inside axios) reads DEBUG once, when it is first loaded, and then prints request options to
 * stderr, headers (X-Vault-Token) included. The kubelet passes its whole environment to plugins
 * and copies their stderr into its log, so DEBUG=* on a node would leak tokens. This module is
 * imported before node-vault so that the variable is gone when `debug` loads.
 */
delete process.env["DEBUG"];
