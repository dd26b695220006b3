import { open, readFile, rm } from "node:fs/promises";

/** Who holds a lock and since when, as written in the lock file. */
export interface LockHolder {
  pid: number;
  at: Date;
}

/** A held lock; release removes the file. */
export interface HeldLock {
  release(): Promise<void>;
}

/**
 * Takes the lock by creating its file exclusively (O_EXCL), so exactly one process on the node
 * wins. Returns undefined when another process holds it.
 */
export async function tryLock(path: string, now: Date): Promise<HeldLock | undefined> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, "wx", 0o600);
  } catch (err) {
    if ((err as { code?: string }).code === "EEXIST") return undefined;
    throw err;
  }
  try {
    await handle.writeFile(JSON.stringify({ pid: process.pid, at: now.toISOString() }));
  } finally {
    await handle.close();
  }
  return { release: () => rm(path, { force: true }) };
}

/** Reads the holder of a lock; undefined when there is no lock (or it is being written). */
export async function readLock(path: string): Promise<LockHolder | undefined> {
  try {
    const doc = JSON.parse(await readFile(path, "utf8")) as { pid?: unknown; at?: unknown };
    const at = new Date(String(doc.at));
    if (typeof doc.pid !== "number" || Number.isNaN(at.getTime())) return undefined;
    return { pid: doc.pid, at };
  } catch {
    return undefined;
  }
}

/**
 * A lock is abandoned when its holder has died (kill -9, OOM) or has held it longer than any
 * exec may live; then waiters may break it instead of waiting out their deadline.
 */
export function isAbandoned(
  holder: LockHolder,
  now: Date,
  maxHoldMs: number,
  isAlive: (pid: number) => boolean,
): boolean {
  return !isAlive(holder.pid) || now.getTime() - holder.at.getTime() > maxHoldMs;
}

/** Whether a process exists on this node (signal 0 checks without sending anything). */
export function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as { code?: string }).code === "EPERM";
  }
}

/**
 * Removes an abandoned lock. Two waiters may both decide to break the same lock; the loser can
 * then remove the winner's fresh lock, which costs one extra fetch, never a wrong answer.
 */
export async function breakLock(path: string): Promise<void> {
  await rm(path, { force: true });
}
