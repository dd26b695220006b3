import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";
import { cacheFolder } from "../cache/index.js";
import type { Config } from "../config/config.js";
import { formatGoDuration } from "../gocompat/duration.js";
import { verifyStateDir } from "../state/folder.js";
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
  // The plugin's own verdict (state/folder.ts), so doctor and the plugin never disagree.
  const found = await cacheFolder(config.stateDir, uid, false);
  if (!("store" in found)) {
    if (await missing(dir)) {
      // The plugin creates it, but only below a stateDir it trusts.
      const state = await verifyStateDir(config.stateDir, uid, false);
      if (state.ok || (await missing(config.stateDir))) {
        return {
          id,
          status: "ok",
          summary: `${dir} does not exist yet: the first exec creates it`,
        };
      }
      return { id, status: "warn", summary: `${state.problem}: the plugin skips the cache` };
    }
    return { id, status: "warn", summary: `${found.problem}: the plugin skips the cache` };
  }
  try {
    const entries = (await readdir(found.store.dir)).filter((name) =>
      name.endsWith(".json"),
    ).length;
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
    return {
      id,
      status: "warn",
      summary: `${dir} cannot be read (${code ?? "error"}): the plugin skips the cache`,
    };
  }
}

async function missing(path: string): Promise<boolean> {
  return lstat(path).then(
    () => false,
    (err: { code?: string }) => err.code === "ENOENT",
  );
}
