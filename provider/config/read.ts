import { isAbsolute, resolve } from "node:path";
import { PullkeyError } from "../errors.js";
import { describeFsError } from "../files.js";
import { compileOnce } from "./compile-once.js";
import { compiledKey, guessStateDir } from "./compiled.js";
import { CONFIG_ENV, type Config, DEFAULT_CONFIG_PATH } from "./config.js";

/** Where the config path came from, for messages. */
export type ConfigOrigin = "--config" | typeof CONFIG_ENV | "default";

/** The config file to use: --config wins over PULLKEY_CONFIG, which wins over the default path. */
export function locateConfig(
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
): { path: string; origin: ConfigOrigin; given: string } {
  const fromEnv = env[CONFIG_ENV];
  const [chosen, origin]: [string, ConfigOrigin] =
    flag !== undefined
      ? [flag, "--config"]
      : fromEnv
        ? [fromEnv, CONFIG_ENV]
        : [DEFAULT_CONFIG_PATH, "default"];
  return { path: isAbsolute(chosen) ? chosen : resolve(cwd, chosen), origin, given: chosen };
}

/** How readConfig may use the compiled copy kept by earlier execs. */
export interface CompiledCacheOptions {
  uid: number;
}

/**
 * Reads and validates the config file. Called on every exec, so a changed mapping applies to the
 * next pull without restarting the kubelet. With `compiled`, an unchanged config is taken from
 * the compiled copy under its stateDir instead of being parsed again; human commands omit it, so
 * they always show every warning.
 */
export async function readConfig(
  file: string,
  origin: ConfigOrigin,
  readFile: (path: string) => Promise<Uint8Array>,
  compiled?: CompiledCacheOptions,
): Promise<{ config: Config; warnings: string[] }> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (err) {
    const missing = (err as { code?: unknown }).code === "ENOENT";
    const hint =
      origin === "default"
        ? ` (the default; pass --config FILE or set ${CONFIG_ENV})`
        : origin === CONFIG_ENV
          ? ` (from ${CONFIG_ENV})`
          : "";
    throw new PullkeyError(
      missing ? "CONFIG_NOT_FOUND" : "CONFIG_UNREADABLE",
      `cannot read config ${file}${hint}: ${describeFsError(err)}`,
      { cause: err },
    );
  }
  const compile = async () => (await import("./compile.js")).compileConfig(bytes, file);
  if (!compiled) return compile();
  return compileOnce(guessStateDir(bytes), compiledKey(file, bytes), compiled.uid, compile);
}
