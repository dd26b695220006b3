/**
 * A Vault address as pullkey accepts it, from the config or from VAULT_ADDR: http(s)://host[:port]
 * with an optional trailing slash and nothing after it (a path would change every API URL).
 * Its own module so the config schema and the lazily loaded source share it without zod.
 */
export const VAULT_ADDRESS_RE = /^https?:\/\/[^/?#\s]+\/?$/;
