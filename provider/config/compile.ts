import { PullkeyError } from "../errors.js";
import type { Config } from "./config.js";
import { validateConfig } from "./validate.js";
import { parseYaml } from "./yaml.js";

/**
 * Turns the bytes of a config file into a validated Config. This module brings in the YAML parser
 * and the zod schema, so the build embeds it as a string compiled only when needed: the plugin
 * usually finds the compiled config in its state folder (see compiled.ts).
 */
export function compileConfig(
  bytes: Uint8Array,
  file: string,
): { config: Config; warnings: string[] } {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new PullkeyError("CONFIG_INVALID", `config ${file} is not UTF-8 text`);
  }
  const yamlWarnings: string[] = [];
  const doc = parseConfigText(text, file, yamlWarnings);
  const { config, errors, warnings } = validateConfig(doc, file);
  if (!config) {
    throw new PullkeyError("CONFIG_INVALID", `config ${file} is invalid: ${errors.join("; ")}`);
  }
  return { config, warnings: [...yamlWarnings, ...warnings] };
}

/**
 * Parses config text: JSON for `.json` files, YAML (a JSON superset) otherwise. YAML warnings
 * (without config text) are added to `warnings`.
 */
export function parseConfigText(text: string, file: string, warnings: string[] = []): unknown {
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
  return parseYaml(text, file, warnings);
}
