import { basename, dirname } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { patternProblem } from "../config/patterns.js";
import { PullkeyError, quote } from "../errors.js";
import { buildProviderEntry, type EntryOptions } from "./entry.js";
import { addToEnvFile, flagWords, renderDropIn } from "./flags.js";
import { detectFlavour, type Flavour, type Layout, resolveLayout } from "./flavours.js";
import { type NodeFs, sha256 } from "./fs.js";
import type { DecodedConfig } from "./kubelet-config/decode.js";
import {
  type ProviderEntry,
  providerEntries,
  renderNewConfig,
  upsertProvider,
} from "./kubelet-config/document.js";
import { loadKubeletConfig } from "./kubelet-config/load.js";
import {
  BACKUP_DIR,
  backupPath,
  backupStamp,
  type FileRecord,
  type FileRole,
  MANIFEST_PATH,
  type Manifest,
  parseManifest,
  renderManifest,
} from "./manifest.js";
import { generateConfig, inspectConfig, PULLKEY_DIR, type SourceFlags } from "./pullkey-config.js";

/**
 * Works out every file an install would write, from what is on the node now, and checks the
 * result the way the kubelet will at start-up before anything is written. Reads only.
 */

export interface InstallOptions {
  flavour?: Flavour | undefined;
  name: string;
  executable: { bytes: Uint8Array; from: string };
  pullkeyConfig?: { bytes: Uint8Array; from: string } | undefined;
  /** --secret-file: files the config reads (Vault role/secret ids, CA bundles), put in /etc/pullkey. */
  secretFiles: { bytes: Uint8Array; from: string }[];
  sourceFlags: SourceFlags;
  /** --match-image overrides; default: the patterns of pullkey's rules. */
  matchImages: string[];
  defaultCacheDuration: string;
  providerApiVersion: string;
  env: EntryOptions["env"];
  keepEnv: string[];
  token?: EntryOptions["token"];
  binDir?: string | undefined;
  kubeletConfig?: string | undefined;
  /** Write pullkey's entry as its own file in a config folder (kubelet 1.34+). */
  dropIn: boolean;
  /** Kubelet minor version (1.N) when known; decides the rules checked. */
  kubeletMinor?: number | undefined;
  /** Replace a provider entry of the same name that this installer did not write. */
  force: boolean;
}

/** One file to write (`after`) or delete (`after` undefined). */
export interface FileChange {
  path: string;
  role: FileRole;
  before?: Uint8Array | undefined;
  after?: Uint8Array | undefined;
  mode: number;
  /** Mode for folders created on the way. */
  dirMode: number;
}

export interface Plan {
  layout?: Layout;
  changes: FileChange[];
  warnings: string[];
  notes: string[];
}

/** What the kubelet will run: `<bin-dir>/<name>` (config.go: filepath.Join(binDir, name)). */
function executablePath(layout: Layout, name: string): string {
  return `${layout.binDir.replace(/\/+$/, "")}/${name}`;
}

/** Plans an install; `now` names the backups. */
export async function planInstall(fs: NodeFs, options: InstallOptions, now: Date): Promise<Plan> {
  const warnings: string[] = [];
  checkName(options.name);
  const flavour = options.flavour ?? (await detectFlavour(fs));
  const layout = await resolveLayout(flavour, fs, {
    binDir: options.binDir,
    kubeletConfig: options.kubeletConfig,
    dropIn: options.dropIn,
  });
  for (const path of [layout.binDir, layout.kubeletConfig]) checkNodePath(path);
  const previous = parseManifest(await fs.read(MANIFEST_PATH));
  const owned = (path: string) => previous?.files.find((f) => f.path === path);

  const changes: FileChange[] = [];
  const add = async (change: Omit<FileChange, "before">) => {
    const before = await fs.read(change.path);
    if (
      before !== undefined &&
      change.after !== undefined &&
      Buffer.from(before).equals(change.after)
    )
      return;
    // pullkey's own files that someone else put there are replaced, with a backup and a word.
    const ownFile =
      change.role === "executable" || change.role === "pullkey-config" || change.role === "secret";
    if (ownFile && before !== undefined && !owned(change.path)) {
      warnings.push(
        `${change.path} exists and was not installed by this installer; it is replaced (a backup is kept)`,
      );
    }
    changes.push({ ...change, before });
  };

  // 1. The executable, under the provider name.
  const exe = executablePath(layout, options.name);
  const binKind = await fs.kind(layout.binDir);
  if (binKind && binKind.type !== "dir") {
    throw new PullkeyError(
      "USAGE",
      `the credential provider bin dir ${layout.binDir} is not a folder`,
    );
  }
  await add({
    path: exe,
    role: "executable",
    after: options.executable.bytes,
    mode: 0o755,
    dirMode: 0o755,
  });

  // 2. pullkey's own config, the secret a generated one points at, and --secret-file files.
  const pullkey = await pullkeyConfigFor(fs, options);
  pullkey.extra.push(...secretFilesFor(options, pullkey));
  for (const extra of pullkey.extra) {
    await add({
      path: extra.path,
      role: "secret",
      after: extra.bytes,
      mode: extra.mode,
      dirMode: 0o700,
    });
  }
  if (pullkey.bytes !== undefined) {
    await add({
      path: pullkey.path,
      role: "pullkey-config",
      after: pullkey.bytes,
      mode: 0o600,
      dirMode: 0o700,
    });
  }
  const inspected = await inspectConfig(
    pullkey.bytes ?? (await fs.read(pullkey.path)) ?? new Uint8Array(),
    pullkey.path,
  );
  for (const file of inspected.files) {
    if (!pullkey.extra.some((e) => e.path === file) && !(await fs.kind(file))) {
      throw new PullkeyError(
        "CONFIG_INVALID",
        `pullkey's config ${pullkey.path} reads ${file}, which does not exist on the node`,
      );
    }
  }

  // 3. The kubelet's CredentialProviderConfig entry.
  const matchImages = options.matchImages.length > 0 ? options.matchImages : inspected.match;
  const problems = matchImages.flatMap((p, i) => {
    const problem = patternProblem(p);
    return problem ? [`matchImages[${i}]: ${problem}`] : [];
  });
  if (problems.length > 0) {
    throw new PullkeyError(
      "CONFIG_INVALID",
      `pullkey's entry would never run: ${problems.join("; ")}`,
    );
  }
  if (matchImages.length === 0) {
    throw new PullkeyError(
      "CONFIG_INVALID",
      "no image patterns: give --match-image or rules with match patterns",
    );
  }
  if (options.token && options.kubeletMinor !== undefined && options.kubeletMinor < 34) {
    // 1.33's alpha has the gate off by default and no cacheType field; 1.34 requires cacheType.
    throw new PullkeyError(
      "USAGE",
      `service account token mode needs kubelet 1.34 or newer; this kubelet is 1.${options.kubeletMinor}`,
    );
  }
  const entry = buildProviderEntry({
    name: options.name,
    matchImages,
    defaultCacheDuration: options.defaultCacheDuration,
    apiVersion: options.providerApiVersion,
    pullkeyConfig: pullkey.path,
    env: options.env,
    keepEnv: options.keepEnv,
    token: options.token,
  });
  const kubelet = await planKubeletEntry(fs, layout, flavour, entry, options, owned);
  const merged = kubelet.merged;
  await add({
    path: kubelet.file,
    role: "kubelet-config",
    after: new TextEncoder().encode(kubelet.text),
    mode: kubelet.mode,
    dirMode: 0o755,
  });

  // 4. Every provider's executable must be in the bin dir, or the kubelet does not start.
  for (const provider of merged.providers) {
    if (provider.name === options.name) continue;
    const path = executablePath(layout, provider.name);
    const kind = await fs.kind(path);
    if (kind?.type !== "file" || (kind.mode & 0o111) === 0) {
      const message = `provider ${quote(provider.name)} has no executable ${path}: the kubelet refuses to start ("plugin binary executable  did not exist")`;
      if (layout.addFlags) throw new PullkeyError("CONFIG_INVALID", message);
      warnings.push(message);
    }
  }

  // 5. The flags, both together, only where missing.
  if (layout.addFlags) {
    const { target, flags } = layout.addFlags;
    const words = flagWords(flags);
    const before = await fs.read(target.path);
    const after =
      target.kind === "env-file"
        ? addToEnvFile(
            before === undefined ? "" : new TextDecoder().decode(before),
            target.variable,
            words,
          )
        : renderDropIn(target.execStart, words);
    await add({
      path: target.path,
      role: "flags",
      after: new TextEncoder().encode(after),
      mode: 0o644,
      dirMode: 0o755,
    });
  }

  if (changes.length > 0) {
    const stamp = backupStamp(now);
    const dirs = await missingDirs(fs, [
      ...changes.map((c) => c.path),
      MANIFEST_PATH,
      `${BACKUP_DIR}/x`,
    ]);
    const manifest = nextManifest(previous, options.name, flavour, changes, layout, stamp, dirs);
    // The manifest goes first: an install cut short (disk full, power) can still be uninstalled.
    changes.unshift({
      path: MANIFEST_PATH,
      role: "manifest",
      before: await fs.read(MANIFEST_PATH),
      after: renderManifest(manifest),
      mode: 0o600,
      dirMode: 0o700,
    });
  }
  if (changes.length > 0)
    await checkWritable(fs, [...changes.map((c) => c.path), `${BACKUP_DIR}/x`]);
  return { layout, changes, warnings, notes: layout.notes };
}

/**
 * Pullkey's entry in the kubelet's config: the file the flags name, or its own file in the
 * folder they name. Merges into what is there, refuses a same-named entry it did not write,
 * and checks the result with the kubelet's loader.
 */
async function planKubeletEntry(
  fs: NodeFs,
  layout: Layout,
  flavour: Flavour,
  entry: ProviderEntry,
  options: InstallOptions,
  owned: (path: string) => FileRecord | undefined,
): Promise<{ file: string; text: string; mode: number; merged: DecodedConfig }> {
  const configKind = await fs.kind(layout.kubeletConfig);
  const dirMode = configKind?.type === "dir" || options.dropIn;
  if (dirMode) {
    if (flavour === "k3s" || flavour === "rke2") {
      throw new PullkeyError(
        "USAGE",
        `${flavour} passes the kubelet flags only for a config file, not a folder`,
      );
    }
    if (options.kubeletMinor !== undefined && options.kubeletMinor < 34) {
      throw new PullkeyError(
        "USAGE",
        `a config folder needs kubelet 1.34 or newer; this kubelet is 1.${options.kubeletMinor}`,
      );
    }
    if (configKind?.type === "file") {
      throw new PullkeyError(
        "USAGE",
        `--drop-in needs --image-credential-provider-config to name a folder; the kubelet reads the file ${layout.kubeletConfig}`,
      );
    }
  }
  const kubeletFile = dirMode
    ? `${layout.kubeletConfig.replace(/\/+$/, "")}/${options.name}.yaml`
    : layout.kubeletConfig;
  const currentBytes = await fs.read(kubeletFile);
  const current = currentBytes === undefined ? undefined : new TextDecoder().decode(currentBytes);
  let nextText: string;
  if (current === undefined || current.trim() === "") {
    nextText = renderNewConfig(entry, kubeletFile.endsWith(".json") ? "json" : "yaml");
  } else {
    const entries = providerEntries(current);
    if (entries === undefined) {
      throw new PullkeyError("CONFIG_INVALID", `${kubeletFile}: "providers" is not a list`);
    }
    const same = entries.find((e) => (e as ProviderEntry | null)?.name === options.name);
    const ours = owned(kubeletFile)?.provider === options.name;
    if (same !== undefined && !ours && !isDeepStrictEqual(same, entry) && !options.force) {
      throw new PullkeyError(
        "CONFIG_INVALID",
        `${kubeletFile} already has a provider named ${quote(options.name)} that this installer did not write; choose another --name, or pass --force to replace it`,
      );
    }
    // An entry that already says exactly this stays as it is written (idempotence).
    nextText = isDeepStrictEqual(same, entry) ? current : upsertProvider(current, entry);
  }
  const merged = await checkKubeletConfig(fs, layout, kubeletFile, nextText, dirMode, options);
  const mode = configKind?.type === "file" && !dirMode ? configKind.mode : 0o644;
  return { file: kubeletFile, text: nextText, mode, merged };
}

/** --secret-file files, each as /etc/pullkey/<its name>, 0600; names may not collide. */
function secretFilesFor(
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

async function pullkeyConfigFor(
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
 * Reads the config the kubelet will read after the change (the one file, or every file of the
 * folder in its order) and applies its decoding and validation. Throws with the kubelet's own
 * message when it would refuse to start.
 */
async function checkKubeletConfig(
  fs: NodeFs,
  layout: Layout,
  file: string,
  nextText: string,
  dirMode: boolean,
  options: InstallOptions,
): Promise<DecodedConfig> {
  const files: [string, string][] = [];
  if (dirMode) {
    const dir = layout.kubeletConfig.replace(/\/+$/, "");
    const names = new Set(
      (await fs.list(dir)).filter((n) => /\.(json|yaml|yml)$/.test(n)).map((n) => `${dir}/${n}`),
    );
    names.add(file);
    for (const path of [...names].sort()) {
      files.push([
        path,
        path === file
          ? nextText
          : new TextDecoder().decode((await fs.read(path)) ?? new Uint8Array()),
      ]);
    }
  } else {
    files.push([file, nextText]);
  }
  const loaded = loadKubeletConfig(
    files.map(([path, text]) => ({ path, text })),
    { kubeletMinor: options.kubeletMinor },
  );
  if (loaded.error !== undefined) {
    const hint =
      options.token && /tokenAttributes/.test(loaded.error)
        ? " (tokenAttributes needs kubelet.config.k8s.io/v1 and kubelet 1.33+)"
        : "";
    throw new PullkeyError("CONFIG_INVALID", `the kubelet would not start: ${loaded.error}${hint}`);
  }
  return loaded.config;
}

function nextManifest(
  previous: Manifest | undefined,
  name: string,
  flavour: string,
  changes: FileChange[],
  layout: Layout,
  stamp: string,
  dirs: string[],
): Manifest {
  const files = new Map<string, FileRecord>();
  for (const record of previous?.files ?? []) files.set(record.path, record);
  for (const change of changes) {
    if (change.after === undefined) continue;
    const old = files.get(change.path);
    const record: FileRecord = {
      path: change.path,
      role: change.role,
      created: old ? old.created : change.before === undefined,
      sha256: sha256(change.after),
      ...(old?.original
        ? { original: old.original }
        : !old && change.before !== undefined
          ? { original: backupPath(change.path, stamp) }
          : {}),
    };
    if (change.role === "kubelet-config") record.provider = name;
    if (change.role === "flags" && layout.addFlags?.target.kind === "env-file") {
      record.variable = layout.addFlags.target.variable;
      record.words = flagWords(layout.addFlags.flags);
    }
    files.set(change.path, record);
  }
  const allDirs = [...new Set([...(previous?.dirs ?? []), ...dirs])];
  return { version: 1, name, flavour, files: [...files.values()], dirs: allDirs };
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
async function missingDirs(fs: NodeFs, paths: string[]): Promise<string[]> {
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

function checkName(name: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
    throw new PullkeyError(
      "USAGE",
      `--name ${quote(name)}: use letters, digits, ".", "_" and "-" (it is a file name in the bin dir)`,
    );
  }
}

/** Paths go into flag files unquoted, so they must be absolute and free of shell syntax. */
function checkNodePath(path: string): void {
  if (!path.startsWith("/") || /[\s'"$`\\]/.test(path)) {
    throw new PullkeyError(
      "USAGE",
      `${quote(path)}: paths must be absolute, without spaces, quotes, $ or backslashes`,
    );
  }
}
