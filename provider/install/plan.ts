import { PullkeyError, quote } from "../errors.js";
import type { Flavour } from "../node/flavour.js";
import type { NodeFs } from "../node/fs.js";
import { credentialStoreCheck } from "./credential-store-check.js";
import type { EntryOptions } from "./entry.js";
import { addToEnvFile, type EnvEdit, envEditKind } from "./env-edit.js";
import { renderDropIn } from "./flag-target.js";
import { checkFlagsLand } from "./land-check.js";
import { flagWords, type Layout, resolveLayout } from "./layout.js";
import {
  BACKUP_DIR,
  backupStamp,
  type FileRole,
  limitFor,
  MANIFEST_PATH,
  nextManifest,
  parseManifest,
  renderManifest,
} from "./manifest.js";
import { overlayFs } from "./overlay.js";
import { planKubeletEntry, providerEntryFor } from "./plan-entry.js";
import {
  checkName,
  checkNodePath,
  checkWritable,
  missingDirs,
  pullkeyConfigFor,
  secretFilesFor,
  staleSecrets,
} from "./plan-files.js";
import { inspectConfig, type SourceFlags } from "./pullkey-config.js";
import { previousEdit, recordDetails } from "./records.js";

/**
 * Works out every file an install would write, from what is on the node now, checks the
 * result the way the kubelet will at start-up, and proves on the node model that the kubelet's
 * command line will carry the flags, before anything is written. Reads only.
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
  const layout = await resolveLayout(fs, {
    flavour: options.flavour,
    binDir: options.binDir,
    kubeletConfig: options.kubeletConfig,
    dropIn: options.dropIn,
  });
  const { flavour } = layout;
  for (const path of [layout.binDir, layout.kubeletConfig]) checkNodePath(path);
  const previous = parseManifest(await fs.read(MANIFEST_PATH));
  const owned = (path: string) => previous?.files.find((f) => f.path === path);

  const changes: FileChange[] = [];
  const add = async (change: Omit<FileChange, "before">) => {
    const before = await fs.read(change.path, limitFor(change.role));
    if (before !== undefined && change.after && Buffer.from(before).equals(change.after)) return;
    if (before !== undefined && !owned(change.path)) {
      // A config or secret someone wrote by hand is theirs: replaced only when asked to.
      if ((change.role === "pullkey-config" || change.role === "secret") && !options.force) {
        throw new PullkeyError(
          "USAGE",
          `${change.path} exists and was not written by this installer; pass --force to replace it (a backup is kept), or leave out the option that writes it to keep it`,
        );
      }
      if (change.role !== "kubelet-config" && change.role !== "flags") {
        warnings.push(
          `${change.path} exists and was not installed by this installer; it is replaced (a backup is kept)`,
        );
      }
    }
    changes.push({ ...change, before });
  };

  // 1. The executable, under the provider name.
  const binKind = await fs.kind(layout.binDir);
  if (binKind && binKind.type !== "dir") {
    throw new PullkeyError(
      "USAGE",
      `the credential provider bin dir ${layout.binDir} is not a folder`,
    );
  }
  const exe = executablePath(layout, options.name);
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

  changes.push(
    ...(await staleSecrets(fs, previous, [
      ...pullkey.extra.map((e) => e.path),
      ...inspected.files,
    ])),
  );

  // A docker config whose credential helper is not on the node would fail every pull.
  warnings.push(...(await credentialStoreCheck(fs, pullkey)));

  // 3. The kubelet's CredentialProviderConfig entry.
  const entry = providerEntryFor(options, inspected.match, pullkey.path);
  const kubelet = await planKubeletEntry(fs, layout, flavour, entry, options, owned);
  await add({
    path: kubelet.file,
    role: "kubelet-config",
    after: new TextEncoder().encode(kubelet.text),
    mode: kubelet.mode,
    dirMode: 0o755,
  });

  // 4. Every provider's executable must be in the bin dir, or the kubelet does not start.
  for (const provider of kubelet.merged.providers) {
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
  let flagEdit: EnvEdit | undefined;
  if (layout.addFlags) {
    const { target, flags } = layout.addFlags;
    const words = flagWords(flags);
    const before = await fs.read(target.path);
    if (target.kind === "env-file") {
      flagEdit = envEditKind(
        before === undefined ? "" : Buffer.from(before).toString("utf8"),
        target.variable,
      );
    }
    const after =
      target.kind === "env-file"
        ? addToEnvFile(
            before === undefined ? "" : Buffer.from(before).toString("utf8"),
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

  // 6. Proof on the node model: after these writes, the kubelet's command line has both flags.
  await checkFlagsLand(overlayFs(fs, changes), layout);

  if (changes.length > 0) {
    const stamp = backupStamp(now);
    const dirs = await missingDirs(fs, [
      ...changes.map((c) => c.path),
      MANIFEST_PATH,
      `${BACKUP_DIR}/x`,
    ]);
    const manifest = nextManifest(
      previous,
      { name: options.name, flavour, stamp, dirs },
      changes,
      (path, role) =>
        recordDetails(
          path,
          role,
          flagEdit ?? previousEdit(previous, path),
          layout,
          kubelet,
          entry,
          options.name,
        ),
    );
    // The manifest goes first: an install cut short (disk full, power) can still be uninstalled.
    changes.unshift({
      path: MANIFEST_PATH,
      role: "manifest",
      before: await fs.read(MANIFEST_PATH),
      after: renderManifest(manifest),
      mode: 0o600,
      dirMode: 0o700,
    });
    await checkWritable(fs, [...changes.map((c) => c.path), `${BACKUP_DIR}/x`]);
  }
  return { layout, changes, warnings, notes: layout.notes };
}
