import { createHash } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { readTrustedJson, writeJsonAtomic } from "../cache/files.js";
import { pullkeyVersion } from "../version.js";
import { type Config, DEFAULT_STATE_DIR } from "./config.js";

/**
 * The plugin re-reads its config on every exec, but parsing YAML and running the schema costs
 * more than the rest of a cache hit. So the validated config is kept as JSON under
 * `<stateDir>/config/`, named by a hash of the config's path, and used while the config's bytes
 * (by SHA-256) and pullkey's version are unchanged.
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
    sha256: createHash("sha256").update(bytes).digest("hex"),
    version: pullkeyVersion(),
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

function compiledPath(stateDir: string, file: string): string {
  return join(stateDir, "config", `${createHash("sha256").update(file).digest("hex")}.json`);
}

/** The compiled config for this exact content and version, if pullkey stored one. */
export async function readCompiled(
  stateDir: string,
  key: CompiledConfigKey,
  uid: number,
): Promise<Config | undefined> {
  const doc = (await readTrustedJson(compiledPath(stateDir, key.file), uid)) as
    | { v?: unknown; key?: CompiledConfigKey; config?: Config }
    | undefined;
  if (doc?.v !== 1 || !doc.key || !doc.config) return undefined;
  const same =
    doc.key.file === key.file && doc.key.sha256 === key.sha256 && doc.key.version === key.version;
  return same && doc.config.stateDir === stateDir ? doc.config : undefined;
}

/** Stores a compiled config; failures are ignored (the next exec compiles again). */
export async function writeCompiled(config: Config, key: CompiledConfigKey): Promise<void> {
  try {
    await mkdir(join(config.stateDir, "config"), { recursive: true, mode: 0o700 });
    await writeJsonAtomic(compiledPath(config.stateDir, key.file), { v: 1, key, config });
  } catch {
    // A read-only or foreign state folder: no compiled copy, same answers.
  }
}
