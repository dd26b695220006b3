import { dirname } from "node:path";
import { parseConfigText } from "../config/compile.js";
import { validateConfig } from "../config/validate.js";
import { PullkeyError } from "../errors.js";
import { ruleStoreNotes } from "../sources/docker-config/rule-notes.js";

/** What the installer knows of the node: files by node path, and where the node's root is. */
export interface InstallNode {
  read(path: string): Promise<Uint8Array | undefined>;
  hostPath(path: string): string;
}

/** pullkey's config as the installer is about to leave it, plus the files it writes with it. */
export interface InstalledConfig {
  path: string;
  bytes?: Uint8Array | undefined;
  extra: readonly { path: string; bytes: Uint8Array }[];
}

/**
 * The installer's check of docker configs with credential stores: a helper a rule needs but
 * the node lacks would make every pull fail after a clean install, so it refuses with the
 * same line the plugin would print; what docker ignores comes back as warnings. Helpers are
 * looked up under the node's root. Call it after pullkey's config has been validated.
 */
export async function credentialStoreCheck(
  node: InstallNode,
  config: InstalledConfig,
): Promise<string[]> {
  const bytes = config.bytes ?? (await node.read(config.path));
  if (!bytes) return [];
  const doc = await parseConfigText(new TextDecoder().decode(bytes), config.path);
  const rules = validateConfig(doc, config.path).config?.rules ?? [];
  const read = async (path: string) =>
    config.extra.find((e) => e.path === path)?.bytes ?? (await node.read(path));
  const warnings: string[] = [];
  for (const rule of rules) {
    for (const note of await ruleStoreNotes(rule, dirname(config.path), read, node.hostPath("/"))) {
      if (note.level === "error") throw new PullkeyError("CONFIG_INVALID", note.message);
      if (note.level === "warning") warnings.push(note.message);
    }
  }
  return warnings;
}
