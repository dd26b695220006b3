import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";
import type { Config } from "../config/config.js";
import { formatGoDuration } from "../gocompat/duration.js";
import type { CheckResult } from "./report.js";

/**
 * The node-local cache as the plugin will find it, read without creating anything. A folder the
 * plugin cannot use only costs the cache (pulls still work), so problems are warnings.
 */
export async function cacheCheck(config: Config, uid: number): Promise<CheckResult> {
  const id = "cache";
  if (!config.cache.enabled) {
    return {
      id,
      status: "ok",
      summary: "off (cache.enabled: false): every kubelet cache miss reads the source",
    };
  }
  const dir = join(config.stateDir, "cache");
  try {
    const info = await lstat(dir);
    if (!info.isDirectory()) {
      return { id, status: "warn", summary: `${dir} is not a folder: the plugin skips the cache` };
    }
    if (info.uid !== uid) {
      return {
        id,
        status: "warn",
        summary: `${dir} is owned by uid ${info.uid}, not ${uid} (the user doctor runs as, normally the kubelet's): the plugin skips the cache`,
      };
    }
    const entries = (await readdir(dir)).filter((name) => name.endsWith(".json")).length;
    return {
      id,
      status: "ok",
      summary: `${dir} holds ${entries} entr${entries === 1 ? "y" : "ies"}; ${
        config.cache.staleIfErrorMs > 0
          ? `stale credentials are served for up to ${formatGoDuration(config.cache.staleIfErrorMs)} while a source fails`
          : "stale credentials are never served (cache.staleIfError: 0s)"
      }`,
    };
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === "ENOENT") {
      return { id, status: "ok", summary: `${dir} does not exist yet: the first exec creates it` };
    }
    return {
      id,
      status: "warn",
      summary: `${dir} cannot be read (${code ?? "error"}): the plugin skips the cache`,
    };
  }
}
