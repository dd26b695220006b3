import { chmodSync, chownSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type CacheConfig, type Config, DEFAULT_CACHE } from "../../provider/config/config.js";
import { cacheCheck } from "../../provider/doctor/cache-check.js";
import { removeTemps, tempDir } from "./harness.js";

afterAll(() => removeTemps());
const uid = process.getuid?.() ?? 0;

function configFor(stateDir: string, cache: CacheConfig = DEFAULT_CACHE): Config {
  return {
    file: "/etc/pullkey/config.yaml",
    baseDir: "/etc/pullkey",
    defaultCacheDurationMs: 600_000,
    unmatched: "error",
    stateDir,
    cache,
    execTimeoutMs: 20_000,
    rules: [],
  };
}

describe("pullkey doctor's look at the node cache", () => {
  // Each case is also the plugin's verdict: doctor asks the same check (state/folder.ts).
  it.each<{
    name: string;
    prepare: (stateDir: string) => void;
    cache?: CacheConfig;
    expected: (dir: string) => string;
  }>([
    {
      name: "a cache turned off",
      prepare: () => {},
      cache: { ...DEFAULT_CACHE, enabled: false },
      expected: () => "ok: off (cache.enabled: false): every kubelet cache miss reads the source",
    },
    {
      name: "no cache folder yet",
      prepare: () => {},
      expected: (dir) => `ok: ${dir} does not exist yet: the first exec creates it`,
    },
    {
      name: "a cache with entries",
      prepare: (stateDir) => {
        mkdirSync(join(stateDir, "cache"), { recursive: true, mode: 0o700 });
        writeFileSync(join(stateDir, "cache", "a.json"), "{}");
        writeFileSync(join(stateDir, "cache", "a.lock"), "{}");
      },
      expected: (dir) =>
        `ok: ${dir} holds 1 entry; stale credentials are served for up to 24h0m0s while a source fails`,
    },
    {
      name: "a file where the folder should be",
      prepare: (stateDir) => {
        mkdirSync(stateDir, { recursive: true });
        writeFileSync(join(stateDir, "cache"), "");
      },
      expected: (dir) => `warn: ${dir} is not a folder: the plugin skips the cache`,
    },
    {
      name: "a cache folder others may read (it holds passwords)",
      prepare: (stateDir) => {
        mkdirSync(join(stateDir, "cache"), { recursive: true, mode: 0o700 });
        chmodSync(join(stateDir, "cache"), 0o755);
      },
      expected: (dir) =>
        `warn: ${dir} is readable by group or other (mode 755): the plugin skips the cache`,
    },
    {
      name: "a stateDir anyone may write to, with no cache folder yet",
      prepare: (stateDir) => {
        mkdirSync(stateDir, { recursive: true });
        chmodSync(stateDir, 0o777);
      },
      expected: (dir) =>
        `warn: ${dirname(dir)} is writable by group or other (mode 777): the plugin skips the cache`,
    },
    {
      name: "a stateDir anyone may write to, around a private cache folder",
      prepare: (stateDir) => {
        mkdirSync(join(stateDir, "cache"), { recursive: true, mode: 0o700 });
        chmodSync(stateDir, 0o777);
      },
      expected: (dir) =>
        `warn: ${dirname(dir)} is writable by group or other (mode 777): the plugin skips the cache`,
    },
    ...(uid === 0
      ? [
          {
            name: "a folder owned by another user",
            prepare: (stateDir: string) => {
              mkdirSync(join(stateDir, "cache"), { recursive: true });
              chownSync(join(stateDir, "cache"), 4321, 4321);
            },
            expected: (dir: string) =>
              `warn: ${dir} is owned by uid 4321, not 0: the plugin skips the cache`,
          },
        ]
      : []),
  ])("reports $name", async ({ prepare, cache, expected }) => {
    const stateDir = join(tempDir("cache"), "state");
    prepare(stateDir);
    const check = await cacheCheck(configFor(stateDir, cache), uid);
    expect(`${check.status}: ${check.summary}`).toBe(expected(join(stateDir, "cache")));
  });
});
