import { createHash } from "node:crypto";
import { EXECUTABLE_BYTES } from "../node/fs.js";

/**
 * What the installer added, kept on the node so `uninstall` removes exactly that and a second
 * install knows which entries and files are its own.
 */

export const INSTALL_STATE_DIR = "/var/lib/pullkey/install";
export const MANIFEST_PATH = `${INSTALL_STATE_DIR}/manifest.json`;
export const BACKUP_DIR = `${INSTALL_STATE_DIR}/backups`;

export type FileRole =
  | "executable"
  | "pullkey-config"
  | "secret"
  | "kubelet-config"
  | "flags"
  | "manifest";

/** How much of a file install reads: an executable is ~105 MiB, the rest are small (node/fs.ts). */
export function limitFor(role: FileRole): number | undefined {
  return role === "executable" ? EXECUTABLE_BYTES : undefined;
}

export interface FileRecord {
  path: string;
  role: FileRole;
  /** The installer created the file (uninstall deletes it) rather than edited one. */
  created: boolean;
  /** sha256 of what the installer last wrote: unchanged files are restored byte for byte. */
  sha256: string;
  /** Backup of the file as it was before the first install (edited files only). */
  original?: string;
  /** kubelet-config: the provider entry the installer owns, as it last wrote it. */
  provider?: string;
  entry?: unknown;
  /** kubelet-config: a same-named entry `--force` replaced, put back while pullkey's is unchanged. */
  replaced?: unknown;
  /** flags: the variable and the words the installer added to it (env-file targets). */
  variable?: string;
  words?: string[];
  /** flags: whether install added the whole assignment, quotes around an empty one, or words. */
  edit?: "line" | "quotes" | "words";
}

export interface Manifest {
  version: 1;
  name: string;
  flavour: string;
  files: FileRecord[];
  /** Folders the installer created, outermost first. */
  dirs: string[];
}

/** Parses a manifest; undefined for anything that is not one. */
export function parseManifest(bytes: Uint8Array | undefined): Manifest | undefined {
  if (bytes === undefined) return undefined;
  try {
    const value = JSON.parse(new TextDecoder().decode(bytes)) as Manifest;
    if (value.version !== 1 || !Array.isArray(value.files)) return undefined;
    return { ...value, dirs: Array.isArray(value.dirs) ? value.dirs : [] };
  } catch {
    return undefined;
  }
}

/** The manifest's bytes: stable key order, so an unchanged install rewrites nothing. */
export function renderManifest(manifest: Manifest): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`);
}

/** The UTC time that names one run's backups: 20260102T030405. */
export function backupStamp(now: Date): string {
  return now.toISOString().replace(/[-:]/g, "").replace(/\..*$/, "");
}

/** Where the pre-install copy of a file goes. */
export function backupPath(path: string, stamp: string): string {
  return `${BACKUP_DIR}/${stamp}${path.replace(/\//g, "%")}`;
}

/** sha256 hex of bytes; the manifest records what was written so uninstall can tell edits apart. */
export function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** The next manifest: the previous records, updated for every file this run writes. */
export function nextManifest(
  previous: Manifest | undefined,
  run: { name: string; flavour: string; stamp: string; dirs: string[] },
  changes: readonly {
    path: string;
    role: FileRole;
    before?: Uint8Array | undefined;
    after?: Uint8Array | undefined;
  }[],
  extra: (path: string, role: FileRole) => Partial<FileRecord>,
): Manifest {
  const files = new Map<string, FileRecord>();
  for (const record of previous?.files ?? []) files.set(record.path, record);
  for (const change of changes) {
    if (change.after === undefined) {
      files.delete(change.path);
      continue;
    }
    const old = files.get(change.path);
    const record: FileRecord = {
      path: change.path,
      role: change.role,
      created: old ? old.created : change.before === undefined,
      sha256: sha256(change.after),
      ...(old?.original
        ? { original: old.original }
        : !old && change.before !== undefined
          ? { original: backupPath(change.path, run.stamp) }
          : {}),
      ...extra(change.path, change.role),
    };
    files.set(change.path, record);
  }
  const dirs = [...new Set([...(previous?.dirs ?? []), ...run.dirs])];
  return { version: 1, name: run.name, flavour: run.flavour, files: [...files.values()], dirs };
}
