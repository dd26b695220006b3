import type { SourceSpec } from "../sources/registry.js";

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
  cache: CacheConfig;
  /** The whole exec's time budget, well inside the kubelet's fixed one minute. */
  execTimeoutMs: number;
  /** Prometheus textfile metrics; absent unless configured. */
  metrics?: { textfile: string };
  /** One line per exec appended to a file; absent unless configured. */
  log?: { file?: string; journald?: boolean };
  rules: Rule[];
}

/** The node-local credential cache that sits in front of every source. */
export interface CacheConfig {
  enabled: boolean;
  /** How long past its freshness the last good credential may be served when the source fails. */
  staleIfErrorMs: number;
  /** The cacheDuration told to the kubelet with a stale credential, so it asks again soon. */
  staleCacheDurationMs: number;
}

export const DEFAULT_CACHE: CacheConfig = {
  enabled: true,
  staleIfErrorMs: 24 * 3_600_000,
  staleCacheDurationMs: 60_000,
};

/** 20 s leaves the kubelet's 60 s exec timeout (plugin.go) a wide margin. */
export const DEFAULT_EXEC_TIMEOUT_MS = 20_000;

/** How long the kubelet caches an answer when neither the rule nor the config says. */
export const DEFAULT_CACHE_DURATION_MS = 10 * 60_000;

/** Where the kubelet-run plugin looks for its config when neither --config nor PULLKEY_CONFIG is set. */
export const DEFAULT_CONFIG_PATH = "/etc/pullkey/config.yaml";

/** Environment variable naming the config file; read when called, never at import. */
export const CONFIG_ENV = "PULLKEY_CONFIG";

/** Where state that outlives one exec lives unless the config says otherwise. */
export const DEFAULT_STATE_DIR = "/var/lib/pullkey";
