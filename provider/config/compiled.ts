import { join } from "node:path";
import { sha256Hex } from "../sha256.js";
import { readPrivateJson, writePrivateJson } from "../state/file.js";
import { privateFolder } from "../state/folder.js";
import { pullkeyBuild, pullkeyVersion } from "../version.js";
import { type Config, DEFAULT_STATE_DIR } from "./config.js";

/**
 * The plugin re-reads its config on every exec, but parsing YAML and running the schema costs
 * more than the rest of a cache hit. So the validated config is kept as JSON under
 * `<stateDir>/config/`, named by a hash of the config's path, and used while the config's bytes
 * (by SHA-256) and pullkey's build are unchanged.
 */
export interface CompiledConfigKey {
  file: string;
  sha256: string;
  version: string;
}

/** The key of a config file's current content. */
export function compiledKey(file: string, bytes: Uint8Array): CompiledConfigKey {
  return {
    file,
    sha256: sha256Hex(bytes),
    // The build, not only the version: two builds of 0.1.0 may compile a config differently.
    version: `${pullkeyVersion()}+${pullkeyBuild()}`,
  };
}

/**
 * A cheap first guess at the config's stateDir, from its text, before it is parsed: a top-level
 * `stateDir:` line (YAML) or `"stateDir": "…"` (JSON), else the default. A wrong guess only costs
 * a compile, because a compiled copy is stored only where the real stateDir says.
 */
export function guessStateDir(bytes: Uint8Array): string {
  const text = Buffer.from(bytes).toString("utf8");
  const yaml = /^stateDir:[ \t]*["']?([^"'#\s]+)["']?[ \t]*(?:#.*)?$/m.exec(text);
  const json = /"stateDir"\s*:\s*"([^"\\]+)"/.exec(text);
  return yaml?.[1] ?? json?.[1] ?? DEFAULT_STATE_DIR;
}

/** A compiled config is the validated config as JSON: a few times the file, which is capped at 1 MiB. */
const MAX_COMPILED_BYTES = 8 * 1024 * 1024;

/** The compiled copy's path in the verified `<stateDir>/config` folder, or undefined when unusable. */
async function compiledPath(
  stateDir: string,
  file: string,
  uid: number,
  create: boolean,
): Promise<string | undefined> {
  const folder = await privateFolder(stateDir, "config", uid, create);
  if (!folder.ok) return undefined;
  return join(folder.dir, `${sha256Hex(file)}.json`);
}

/** The compiled config for this exact content and version, if pullkey stored one. */
export async function readCompiled(
  stateDir: string,
  key: CompiledConfigKey,
  uid: number,
): Promise<Config | undefined> {
  const path = await compiledPath(stateDir, key.file, uid, false);
  if (path === undefined) return undefined;
  const doc = (await readPrivateJson(path, { uid, maxBytes: MAX_COMPILED_BYTES, secret: false })) as
    | { v?: unknown; key?: CompiledConfigKey; config?: Config }
    | undefined;
  if (doc?.v !== 1 || !doc.key || !doc.config) return undefined;
  const same =
    doc.key.file === key.file && doc.key.sha256 === key.sha256 && doc.key.version === key.version;
  return same && doc.config.stateDir === stateDir ? doc.config : undefined;
}

/**
 * Stores a compiled config; failures are ignored (the next exec compiles again). Only in a
 * stateDir that passes the folder checks: never a `config/` folder inside a foreign one.
 */
export async function writeCompiled(
  config: Config,
  key: CompiledConfigKey,
  uid: number,
): Promise<void> {
  try {
    const path = await compiledPath(config.stateDir, key.file, uid, true);
    if (path !== undefined) await writePrivateJson(path, { v: 1, key, config });
  } catch {
    // A read-only or full state folder: no compiled copy, same answers.
  }
}
