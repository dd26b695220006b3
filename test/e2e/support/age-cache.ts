import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Moves every credential cache entry under `stateDir` `ms` into the past (its fetch time and
 * freshness), as if that much time had gone by: a test of what happens after the cache period
 * then needs no sleep. The entry is rewritten in place, so its owner and mode (which pullkey
 * checks) stay as they were. Returns how many entries were aged, so a test can insist on one.
 */
export function ageCacheEntries(stateDir: string, ms: number): number {
  const folder = join(stateDir, "cache");
  if (!existsSync(folder)) return 0;
  let aged = 0;
  for (const name of readdirSync(folder).filter((n) => n.endsWith(".json"))) {
    const path = join(folder, name);
    const entry = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
    for (const field of ["fetchedAt", "freshUntil"]) {
      entry[field] = new Date(new Date(String(entry[field])).getTime() - ms).toISOString();
    }
    writeFileSync(path, JSON.stringify(entry));
    aged++;
  }
  return aged;
}

/** The stateDir a JSON config file names. */
export function stateDirOf(configFile: string): string {
  return String((JSON.parse(readFileSync(configFile, "utf8")) as { stateDir: unknown }).stateDir);
}
