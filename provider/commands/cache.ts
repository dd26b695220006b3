import { cacheFolder } from "../cache/index.js";
import { isFresh } from "../cache/policy.js";
import type { CacheEntry } from "../cache/store.js";
import { locateConfig, readConfig } from "../config/read.js";
import { errorLine, quote } from "../errors.js";
import { formatGoDuration } from "../gocompat/duration.js";
import { EXIT_OK, exitStatusFor, type Io } from "../io.js";

export interface CacheOptions {
  config?: string | undefined;
  /** `clear` only: remove this rule's entries, not all. */
  rule?: string | undefined;
}

/**
 * `pullkey cache list|clear`: the operator's view of the node-local cache under the config's
 * stateDir. `list` shows rule, registry, source, age and freshness left, never a credential;
 * `clear` removes entries, so the next pull asks the source. Only network sources are cached.
 */
export async function cacheCommand(
  io: Io,
  action: "list" | "clear",
  options: CacheOptions,
): Promise<number> {
  try {
    const located = locateConfig(options.config, io.env, io.cwd);
    const { config } = await readConfig(located.path, located.origin, io.readFile);
    const found = await cacheFolder(config.stateDir, io.uid, false);
    if ("problem" in found) {
      const absent = found.problem.endsWith("does not exist");
      io.stderr(
        absent
          ? `pullkey: ${config.stateDir}/cache holds no entries yet\n`
          : `pullkey: warning: the plugin skips this cache: ${found.problem}\n`,
      );
      return EXIT_OK;
    }
    const { store } = found;
    if (action === "clear") {
      const keys =
        options.rule === undefined
          ? await store.keys()
          : (await store.entries()).filter((e) => e.rule === options.rule).map((e) => e.key);
      for (const key of keys) await store.remove(key);
      const which = options.rule === undefined ? "" : ` of rule ${quote(options.rule)}`;
      io.stderr(
        `pullkey: removed ${keys.length} cache entr${keys.length === 1 ? "y" : "ies"}${which} from ${store.dir}\n`,
      );
      return EXIT_OK;
    }
    io.stdout(listing(await store.entries(), io.now()));
    return EXIT_OK;
  } catch (err) {
    io.stderr(`${errorLine(err)}\n`);
    return exitStatusFor(err);
  }
}

/** A table of entries, one per line, by rule then registry; never a username or password. */
export function listing(entries: CacheEntry[], now: Date): string {
  const rows = [...entries]
    .sort((a, b) => a.rule.localeCompare(b.rule) || a.registry.localeCompare(b.registry))
    .map((e) => [
      e.rule,
      e.registry,
      roundedDuration(now.getTime() - e.fetchedAt.getTime()),
      isFresh(e, now)
        ? roundedDuration(freshLeft(e, now))
        : e.expiresAt && now >= e.expiresAt
          ? "expired"
          : "stale",
      e.source,
    ]);
  const table = [["RULE", "REGISTRY", "AGE", "FRESH FOR", "SOURCE"], ...rows];
  const widths =
    table[0]?.map((_, i) => Math.max(...table.map((row) => (row[i] ?? "").length))) ?? [];
  return table
    .map((row) =>
      row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join("  "),
    )
    .join("\n")
    .concat("\n");
}

function freshLeft(entry: CacheEntry, now: Date): number {
  const until = Math.min(entry.freshUntil.getTime(), entry.expiresAt?.getTime() ?? Infinity);
  return until - now.getTime();
}

/** Whole seconds, Go style (`9m58s`): the same units the kubelet's cacheDuration uses. */
function roundedDuration(ms: number): string {
  return formatGoDuration(Math.max(0, Math.floor(ms / 1000)) * 1000);
}
