import { randomHex } from "../files.js";
import { link, lstat, unlink, writeFile } from "../fs-async.js";
import { readPrivateFile } from "./file.js";

/**
 * The one lock for state under stateDir (a cache key's single flight, the metrics fold).
 *
 * - Taken by link(2) of a fully written temp file onto the lock's name: link never replaces, so
 *   exactly one process wins, and a lock file is never seen empty or half written (a kill -9 at
 *   any point leaves either no lock or a complete one).
 * - Trusted only if it is ours: a regular file owned by our uid, not writable by others, naming
 *   our uid. Anything else (empty, unreadable, foreign, garbage) is treated as absent: removed if
 *   it is still the same file, never waited on.
 * - Broken only when its holder is dead or past the deadline it wrote, and only if the file is
 *   still the one judged (device, inode, change time and nonce compared under a short break lock),
 *   so two waiters can never break a dead lock and then each other's fresh one.
 * - Released only by its owner (same inode and nonce).
 */

/** What a lock file says. */
export interface LockOwner {
  pid: number;
  uid: number;
  /** The holder's own deadline: past it the lock is abandoned, whatever the pid says. */
  until: number;
  nonce: string;
}

export interface HeldLock {
  owner: LockOwner;
  /** Removes the lock if it is still ours; never throws. */
  release(): Promise<void>;
}

/** Held, or busy: a live owner holds it, or another waiter is removing an abandoned one. */
export type LockAttempt = { held: HeldLock } | { busy: LockOwner | undefined };

export interface LockOptions {
  uid: number;
  /** When this process will be gone at the latest (its exec deadline), epoch ms. */
  until: number;
  now(): number;
  isAlive?: (pid: number) => boolean;
}

const MAX_LOCK_BYTES = 4096;
/** A break lock is held for a few system calls; older than this, its holder died. */
const BREAK_LOCK_STALE_MS = 2_000;

/**
 * Tries once to take the lock at `path`. Returns it held, or the live owner holding it.
 * Throws when the folder cannot hold a lock (read-only, full, no permission): callers go on
 * without the lock, they never wait for one they cannot see.
 */
export async function tryLock(path: string, options: LockOptions): Promise<LockAttempt> {
  const isAlive = options.isAlive ?? processIsAlive;
  for (let attempt = 0; attempt < 3; attempt++) {
    // A live holder is seen by reading its lock: a waiter polls without creating any file.
    let found = await inspect(path, options.uid);
    if (found === undefined) {
      const held = await create(path, options);
      if (held) return { held };
      found = await inspect(path, options.uid);
      if (found === undefined) continue; // released between our link and our read
    }
    if (found.owner && isAlive(found.owner.pid) && options.now() <= found.owner.until) {
      return { busy: found.owner };
    }
    // Abandoned, empty, foreign or garbage: remove it if it is still the same file, then retry.
    // While another waiter is removing it, wait like for a holder: never fetch beside it.
    if (!(await breakIfSame(path, found, options.uid))) return { busy: found.owner };
  }
  throw Object.assign(new Error(`lock ${path} keeps changing`), { code: "EBUSY" });
}

interface Found {
  owner: LockOwner | undefined;
  dev: number;
  ino: number;
  ctimeMs: number;
}

async function create(path: string, options: LockOptions): Promise<HeldLock | undefined> {
  const owner: LockOwner = {
    pid: process.pid,
    uid: options.uid,
    until: options.until,
    nonce: randomHex(8),
  };
  const temp = `${path}.${owner.nonce}.tmp`;
  try {
    await writeFile(temp, JSON.stringify(owner), { flag: "wx", mode: 0o600 });
    try {
      await link(temp, path);
    } catch (err) {
      if ((err as { code?: string }).code === "EEXIST") return undefined;
      throw err;
    }
  } finally {
    await unlink(temp).catch(() => undefined);
  }
  const mine = await lstat(path);
  return {
    owner,
    release: async () => {
      try {
        const found = await inspect(path, options.uid);
        if (found?.ino === mine.ino && found.dev === mine.dev && found.owner?.nonce === owner.nonce)
          await unlink(path);
      } catch {
        // Gone already, or the folder went read-only: nothing of ours is left to remove.
      }
    },
  };
}

/** The lock file's identity and, when it is a trusted lock of ours, its owner. */
async function inspect(path: string, uid: number): Promise<Found | undefined> {
  let info: Awaited<ReturnType<typeof lstat>>;
  try {
    info = await lstat(path);
  } catch (err) {
    if ((err as { code?: string }).code === "ENOENT") return undefined;
    throw err;
  }
  const file = await readPrivateFile(path, { uid, maxBytes: MAX_LOCK_BYTES, secret: false });
  const identity = { dev: Number(info.dev), ino: Number(info.ino), ctimeMs: Number(info.ctimeMs) };
  if (!file || file.ino !== identity.ino || file.dev !== identity.dev)
    return { owner: undefined, ...identity };
  return { owner: decodeOwner(file.bytes, uid), ...identity };
}

function decodeOwner(bytes: Buffer, uid: number): LockOwner | undefined {
  try {
    const doc = JSON.parse(bytes.toString("utf8")) as Partial<LockOwner>;
    if (
      typeof doc.pid !== "number" ||
      doc.uid !== uid ||
      typeof doc.until !== "number" ||
      typeof doc.nonce !== "string"
    )
      return undefined;
    return { pid: doc.pid, uid: doc.uid, until: doc.until, nonce: doc.nonce };
  } catch {
    return undefined;
  }
}

/**
 * Removes the lock judged abandoned if the file at `path` is still that one. Serialised by a
 * break lock (`<path>.break`, taken the same way), so of many waiters that judged the same dead
 * lock, one removes it and the others find a different file (or none) and leave it alone.
 * Returns false when another waiter holds the break lock: the lock is being removed right now.
 */
async function breakIfSame(path: string, judged: Found, uid: number): Promise<boolean> {
  const breaker = `${path}.break`;
  const nonce = randomHex(8);
  const temp = `${breaker}.${nonce}.tmp`;
  try {
    await writeFile(temp, nonce, { flag: "wx", mode: 0o600 });
    try {
      await link(temp, breaker);
    } catch (err) {
      if ((err as { code?: string }).code !== "EEXIST") throw err;
      // Another waiter is breaking it; a break lock left by a killed waiter expires.
      const info = await lstat(breaker).catch(() => undefined);
      if (info && Date.now() - info.mtimeMs > BREAK_LOCK_STALE_MS)
        await unlink(breaker).catch(() => undefined);
      return false;
    }
  } finally {
    await unlink(temp).catch(() => undefined);
  }
  try {
    const again = await inspect(path, uid).catch(() => undefined);
    if (
      again &&
      again.dev === judged.dev &&
      again.ino === judged.ino &&
      again.ctimeMs === judged.ctimeMs &&
      again.owner?.nonce === judged.owner?.nonce
    ) {
      await unlink(path);
    }
    return true;
  } finally {
    await unlink(breaker).catch(() => undefined);
  }
}

/** Whether a process exists on this node (signal 0 checks without sending anything). */
export function processIsAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as { code?: string }).code === "EPERM";
  }
}
