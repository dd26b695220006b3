import { createHash } from "node:crypto";
import { chmod, lstat, mkdir, readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { writeJsonAtomic } from "../../cache/files.js";

/**
 * Vault tokens obtained by login, kept between execs so that steady state is one KV read per
 * kubelet cache period instead of a login per pull. Files live in a 0700 folder under the
 * state dir, one 0600 file per login identity (address + auth config, and the service account
 * in KEP-4412 mode), named by a hash of it. Anything odd about the folder or a file (another
 * owner, group or world access, not a regular file) means "no stored token": the store is an
 * optimisation and never a reason to fail or to trust a file someone else could have written.
 */

/** A stored login token. Times are epoch milliseconds. */
export interface StoredToken {
  token: string;
  /** Use it until then; a fresh login happens after. */
  reuseUntil: number;
  expiresAt: number;
}

/** When a token with this TTL stops being reused: shortly before it expires. */
export function reuseUntil(obtainedAt: number, ttlSeconds: number): number {
  const ttl = ttlSeconds * 1000;
  // A margin of a quarter of the TTL, at most two minutes, covers clock steps and the exec's
  // own duration (up to its 20 s budget) so a reused token never expires mid-exec.
  return obtainedAt + ttl - Math.min(ttl / 4, 120_000);
}

/** Reads and writes stored tokens in `<stateDir>/vault-tokens`. */
export class TokenStore {
  readonly dir: string;
  readonly #now: () => Date;

  constructor(stateDir: string, now: () => Date) {
    this.dir = join(stateDir, "vault-tokens");
    this.#now = now;
  }

  /** The file name for a login identity: a hash, so no config detail shows in the folder. */
  static keyName(identity: unknown): string {
    return `${createHash("sha256").update(JSON.stringify(identity)).digest("hex").slice(0, 40)}.json`;
  }

  /** A stored token that may still be reused, or undefined. */
  async load(name: string): Promise<StoredToken | undefined> {
    if (!(await this.#dirIsPrivate())) return undefined;
    const file = join(this.dir, name);
    try {
      const info = await lstat(file);
      if (!info.isFile() || !ownedPrivately(info)) return undefined;
      const stored = JSON.parse(await readFile(file, "utf8")) as Partial<StoredToken>;
      if (
        typeof stored.token !== "string" ||
        typeof stored.reuseUntil !== "number" ||
        typeof stored.expiresAt !== "number"
      ) {
        return undefined;
      }
      if (this.#now().getTime() >= stored.reuseUntil) return undefined;
      return stored as StoredToken;
    } catch {
      return undefined;
    }
  }

  /** Stores a token atomically (write a private temp file, then rename); failures are ignored. */
  async save(name: string, token: StoredToken): Promise<void> {
    try {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      if (!(await this.#dirIsPrivate(true))) return;
      await writeJsonAtomic(join(this.dir, name), token);
      await this.#prune(name);
    } catch {
      // No reuse this time; the next exec logs in again.
    }
  }

  /** Forgets a token Vault no longer accepts. */
  async drop(name: string): Promise<void> {
    await rm(join(this.dir, name), { force: true }).catch(() => {});
  }

  async #dirIsPrivate(fix = false): Promise<boolean> {
    try {
      const info = await lstat(this.dir);
      if (!info.isDirectory() || info.uid !== process.getuid?.()) return false;
      if ((info.mode & 0o077) === 0) return true;
      if (!fix) return false;
      await chmod(this.dir, 0o700);
      return true;
    } catch {
      return false;
    }
  }

  // Tokens of service accounts that stopped pulling would pile up; drop the expired ones.
  async #prune(keep: string): Promise<void> {
    const now = this.#now().getTime();
    for (const entry of await readdir(this.dir)) {
      if (entry === keep) continue;
      const file = join(this.dir, entry);
      try {
        if (entry.endsWith(".tmp")) {
          // A temp file left by an exec killed mid-write.
          if (now - (await lstat(file)).mtimeMs > 60_000) await rm(file, { force: true });
          continue;
        }
        const stored = JSON.parse(await readFile(file, "utf8")) as Partial<StoredToken>;
        if (typeof stored.expiresAt !== "number" || stored.expiresAt <= now) {
          await rm(file, { force: true });
        }
      } catch {
        await rm(file, { force: true }).catch(() => {});
      }
    }
  }
}

function ownedPrivately(info: { uid: number; mode: number }): boolean {
  return info.uid === process.getuid?.() && (info.mode & 0o077) === 0;
}
