import { isAbsolute, resolve } from "node:path";
import { PullkeyError } from "../errors.js";
import { describeFsError } from "../files.js";
import { CONFIG_ENV, type Config, DEFAULT_CONFIG_PATH } from "./config.js";
import { validateConfig } from "./validate.js";

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

/** Parses config text: JSON for `.json` files (the fast path), YAML (a JSON superset) otherwise. */
export async function parseConfigText(text: string, file: string): Promise<unknown> {
  if (file.endsWith(".json")) {
    try {
      return JSON.parse(text);
    } catch (err) {
      throw new PullkeyError(
        "CONFIG_INVALID",
        `config ${file} is not valid JSON: ${(err as Error).message}`,
      );
    }
  }
  const { parseYaml } = await import("./yaml.js");
  return parseYaml(text, file);
}

/**
 * Reads and validates the config file. Called on every exec, so a changed mapping applies to the
 * next pull without restarting the kubelet.
 */
export async function readConfig(
  file: string,
  origin: ConfigOrigin,
  readFile: (path: string) => Promise<Uint8Array>,
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
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new PullkeyError("CONFIG_INVALID", `config ${file} is not UTF-8 text`);
  }
  const doc = await parseConfigText(text, file);
  const { config, errors, warnings } = validateConfig(doc, file);
  if (!config) {
    throw new PullkeyError("CONFIG_INVALID", `config ${file} is invalid: ${errors.join("; ")}`);
  }
  return { config, warnings };
}
