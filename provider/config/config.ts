import type { SourceSpec } from "../sources/specs.js";

/** A validated rule, with its patterns expanded and its cache duration resolved. */
export interface Rule {
  name: string;
  /** kubelet matchImages patterns (presets already expanded). */
  match: string[];
  cacheDurationMs: number;
  source: SourceSpec;
}

/** A validated pullkey config. */
export interface Config {
  /** Absolute path of the file it came from. */
  file: string;
  /** Folder that relative paths in sources resolve against. */
  baseDir: string;
  defaultCacheDurationMs: number;
  unmatched: "error" | "anonymous";
  /** Root-only folder for state kept between execs. */
  stateDir: string;
  rules: Rule[];
}

/** How long the kubelet caches an answer when neither the rule nor the config says. */
export const DEFAULT_CACHE_DURATION_MS = 10 * 60_000;

/** Where the kubelet-run plugin looks for its config when neither --config nor PULLKEY_CONFIG is set. */
export const DEFAULT_CONFIG_PATH = "/etc/pullkey/config.yaml";

/** Environment variable naming the config file; read when called, never at import. */
export const CONFIG_ENV = "PULLKEY_CONFIG";

/** Where state that outlives one exec lives unless the config says otherwise. */
export const DEFAULT_STATE_DIR = "/var/lib/pullkey";
