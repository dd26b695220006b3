import { basename, dirname } from "node:path";
import { PullkeyError, quote } from "../errors.js";
import type { NodeFs } from "../node/fs.js";
import type { Manifest } from "./manifest.js";
import type { FileChange, InstallOptions } from "./plan.js";
import { generateConfig, PULLKEY_DIR } from "./pullkey-config.js";

/** pullkey's own files on the node, and the checks every path passes before a write. */

/** --secret-file files, each as /etc/pullkey/<its name>, 0600; names may not collide. */
export function secretFilesFor(
  options: InstallOptions,
  pullkey: { path: string; extra: { path: string }[] },
): { path: string; bytes: Uint8Array; mode: number }[] {
  const taken = new Set([pullkey.path, ...pullkey.extra.map((e) => e.path)]);
  return options.secretFiles.map((file) => {
    const path = `${PULLKEY_DIR}/${basename(file.from)}`;
    if (taken.has(path)) {
      throw new PullkeyError(
        "USAGE",
        `--secret-file ${file.from} would overwrite ${path}, which the installer writes too; rename it`,
      );
    }
    taken.add(path);
    return { path, bytes: file.bytes, mode: 0o600 };
  });
}

/** pullkey's own config: the one given, one generated from source flags, or the one on the node. */
export async function pullkeyConfigFor(
  fs: NodeFs,
  options: InstallOptions,
): Promise<{
  path: string;
  bytes?: Uint8Array;
  extra: { path: string; bytes: Uint8Array; mode: number }[];
}> {
  if (options.pullkeyConfig) {
    if (options.sourceFlags.dockerConfig) {
      throw new PullkeyError("USAGE", "give either --pullkey-config or --docker-config, not both");
    }
    const ext = options.pullkeyConfig.from.endsWith(".json") ? "json" : "yaml";
    return { path: `${PULLKEY_DIR}/config.${ext}`, bytes: options.pullkeyConfig.bytes, extra: [] };
  }
  const generated = generateConfig(options.sourceFlags);
  if (generated) return generated;
  for (const path of [`${PULLKEY_DIR}/config.yaml`, `${PULLKEY_DIR}/config.json`]) {
    if (await fs.read(path)) return { path, extra: [] };
  }
  throw new PullkeyError(
    "USAGE",
    `no pullkey config: give --pullkey-config FILE, or --docker-config FILE for Docker Hub (${PULLKEY_DIR}/config.yaml does not exist yet)`,
  );
}

/**
 * Every file must be creatable: its nearest existing ancestor a writable folder. Checked for all
 * files before the first write, so a bad path stops the install with nothing changed.
 */
export async function checkWritable(fs: NodeFs, paths: readonly string[]): Promise<void> {
  for (const path of paths) {
    let dir = dirname(path);
    let kind = await fs.kind(dir);
    while (!kind && dir !== "/") {
      dir = dirname(dir);
      kind = await fs.kind(dir);
    }
    if (kind?.type !== "dir") {
      throw new PullkeyError("USAGE", `cannot write ${path}: ${dir} is not a folder`);
    }
    const problem = await fs.writable(dir);
    if (problem) throw new PullkeyError("USAGE", `cannot write ${path}: ${dir} is ${problem}`);
  }
}

/** Folders that do not exist yet on the way to these files, outermost first. */
export async function missingDirs(fs: NodeFs, paths: string[]): Promise<string[]> {
  const missing: string[] = [];
  for (const path of paths) {
    const chain: string[] = [];
    for (let dir = dirname(path); dir !== "/" && !(await fs.kind(dir)); dir = dirname(dir)) {
      chain.unshift(dir);
    }
    for (const dir of chain) if (!missing.includes(dir)) missing.push(dir);
  }
  return missing;
}

/** The provider name is a file name in the bin dir: letters, digits, ".", "_" and "-". */
export function checkName(name: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
    throw new PullkeyError(
      "USAGE",
      `--name ${quote(name)}: use letters, digits, ".", "_" and "-" (it is a file name in the bin dir)`,
    );
  }
}

/** Paths go into flag files unquoted, so they must be absolute and free of shell syntax. */
export function checkNodePath(path: string): void {
  if (!path.startsWith("/") || /[\s'"$`\\]/.test(path)) {
    throw new PullkeyError(
      "USAGE",
      `${quote(path)}: paths must be absolute, without spaces, quotes, $ or backslashes`,
    );
  }
}

/**
 * Secrets an earlier install wrote that this config no longer reads (switching from a docker
 * config to Vault): deleted, so they do not stay behind forgotten (apply keeps no backup copy).
 */
export async function staleSecrets(
  fs: NodeFs,
  previous: Manifest | undefined,
  stillRead: readonly string[],
): Promise<FileChange[]> {
  const stale: FileChange[] = [];
  for (const record of previous?.files ?? []) {
    if (record.role !== "secret" || !record.created || stillRead.includes(record.path)) continue;
    const before = await fs.read(record.path);
    if (before !== undefined) {
      stale.push({ path: record.path, role: "secret", before, mode: 0o600, dirMode: 0o700 });
    }
  }
  return stale;
}
