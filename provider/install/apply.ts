import { PullkeyError } from "../errors.js";
import { describeFsError } from "../files.js";
import type { NodeFs } from "../node/fs.js";
import { BACKUP_DIR, backupPath, backupStamp, limitFor, MANIFEST_PATH } from "./manifest.js";
import type { FileChange } from "./plan.js";

/**
 * Carries out planned changes in order: every file it replaces or deletes is first copied to
 * the backup folder, then written atomically (temp file + rename in the same folder), so the
 * kubelet never reads half a file. `afterWrite` may stop the run between two files.
 */
export async function applyChanges(
  fs: NodeFs,
  changes: readonly FileChange[],
  now: Date,
  options: { backup: boolean; afterWrite?: (change: FileChange) => Promise<void> } = {
    backup: true,
  },
): Promise<{ backups: string[] }> {
  const stamp = backupStamp(now);
  const backups: string[] = [];
  for (const change of changes) {
    try {
      await applyOne(fs, change, stamp, options.backup, backups);
    } catch (err) {
      throw new PullkeyError(
        "INTERNAL",
        `writing ${change.path} failed (${describeFsError(err)}); the files written so far are in ${MANIFEST_PATH}, and pullkey uninstall takes them out`,
        { cause: err },
      );
    }
    await options.afterWrite?.(change);
  }
  return { backups };
}

async function applyOne(
  fs: NodeFs,
  change: FileChange,
  stamp: string,
  backup: boolean,
  backups: string[],
): Promise<void> {
  // A secret being deleted gets no backup copy: keeping it is what deleting it is meant to stop.
  const dropped = change.role === "secret" && change.after === undefined;
  if (backup && change.before !== undefined && change.role !== "manifest" && !dropped) {
    const copy = backupPath(change.path, stamp);
    await fs.makeDir(BACKUP_DIR, 0o700);
    if ((await fs.read(copy, limitFor(change.role))) === undefined) {
      await fs.writeAtomic(copy, change.before, 0o600);
      backups.push(copy);
    }
  }
  if (change.after === undefined) {
    await fs.remove(change.path);
    return;
  }
  const dir = change.path.slice(0, change.path.lastIndexOf("/")) || "/";
  await fs.makeDir(dir, change.dirMode);
  // Edited kubelet files keep their mode; pullkey's own files always get theirs (0755, 0600).
  const keepMode = change.role === "kubelet-config" || change.role === "flags";
  const existing = keepMode ? await fs.kind(change.path) : undefined;
  await fs.writeAtomic(change.path, change.after, existing?.mode ?? change.mode);
}

/** After an uninstall: drops the backups and the folders the installer created, if empty. */
export async function cleanUp(fs: NodeFs, dirs: readonly string[]): Promise<void> {
  for (const name of await fs.list(BACKUP_DIR)) await fs.remove(`${BACKUP_DIR}/${name}`);
  for (const dir of [...dirs].reverse()) await fs.removeEmptyDir(dir);
}
