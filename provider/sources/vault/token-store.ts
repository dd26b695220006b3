import { join } from "node:path";
import { lstat, readdir, rm } from "../../fs-async.js";
import { sha256Hex } from "../../sha256.js";
import { readPrivateJson, writePrivateJson } from "../../state/file.js";
import { privateFolder } from "../../state/folder.js";

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

/** Login tokens are a few hundred bytes; anything bigger was not written by pullkey. */
const MAX_TOKEN_FILE_BYTES = 64 * 1024;

/** Reads and writes stored tokens in `<stateDir>/vault-tokens`, through the state module's checks. */
export class TokenStore {
  readonly #stateDir: string;
  readonly #now: () => Date;
  readonly #uid: number;

  constructor(stateDir: string, now: () => Date, uid = process.getuid?.() ?? 0) {
    this.#stateDir = stateDir;
    this.#now = now;
    this.#uid = uid;
  }

  /**
   * The file name for a login identity: a hash, so no config detail shows in the folder. Hashed
   * in JavaScript (sha256.ts), so that a Vault miss never loads node:crypto.
   */
  static keyName(identity: unknown): string {
    return `${sha256Hex(JSON.stringify(identity)).slice(0, 40)}.json`;
  }

  /** A stored token that may still be reused, or undefined. */
  async load(name: string): Promise<StoredToken | undefined> {
    const dir = await this.#folder(false);
    if (dir === undefined) return undefined;
    const stored = (await readPrivateJson(join(dir, name), {
      uid: this.#uid,
      maxBytes: MAX_TOKEN_FILE_BYTES,
      secret: true,
    })) as Partial<StoredToken> | undefined;
    if (
      typeof stored?.token !== "string" ||
      typeof stored.reuseUntil !== "number" ||
      typeof stored.expiresAt !== "number"
    ) {
      return undefined;
    }
    if (this.#now().getTime() >= stored.reuseUntil) return undefined;
    return stored as StoredToken;
  }

  /** Stores a token atomically (write a private temp file, then rename); failures are ignored. */
  async save(name: string, token: StoredToken): Promise<void> {
    try {
      const dir = await this.#folder(true);
      if (dir === undefined) return;
      await writePrivateJson(join(dir, name), token);
      await this.#prune(dir, name);
    } catch {
      // No reuse this time; the next exec logs in again.
    }
  }

  /** Forgets a token Vault no longer accepts. */
  async drop(name: string): Promise<void> {
    const dir = await this.#folder(false);
    if (dir !== undefined) await rm(join(dir, name), { force: true }).catch(() => {});
  }

  async #folder(create: boolean): Promise<string | undefined> {
    const verdict = await privateFolder(this.#stateDir, "vault-tokens", this.#uid, create, true);
    return verdict.ok ? verdict.dir : undefined;
  }

  // Tokens of service accounts that stopped pulling would pile up; drop the expired ones.
  async #prune(dir: string, keep: string): Promise<void> {
    const now = this.#now().getTime();
    for (const entry of await readdir(dir)) {
      if (entry === keep) continue;
      const file = join(dir, entry);
      try {
        if (entry.endsWith(".tmp")) {
          // A temp file left by an exec killed mid-write.
          if (now - (await lstat(file)).mtimeMs > 60_000) await rm(file, { force: true });
          continue;
        }
        const stored = (await readPrivateJson(file, {
          uid: this.#uid,
          maxBytes: MAX_TOKEN_FILE_BYTES,
          secret: true,
        })) as Partial<StoredToken> | undefined;
        if (typeof stored?.expiresAt !== "number" || stored.expiresAt <= now) {
          await rm(file, { force: true });
        }
      } catch {
        await rm(file, { force: true }).catch(() => {});
      }
    }
  }
}
