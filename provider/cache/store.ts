import { join } from "node:path";
import type { ErrorCode } from "../errors.js";
import { readdir, unlink } from "../fs-async.js";
import type { RegistryCredential } from "../sources/source.js";
import { readPrivateJson, writePrivateJson } from "../state/file.js";
import { type LockAttempt, type LockOptions, tryLock } from "../state/lock.js";
import type { EntryTimes } from "./policy.js";

/** What an entry is for: checked on every read, so an entry answers only the key it was written for. */
export interface EntryIdentity {
  key: string;
  rule: string;
}

/** A cached credential with what it takes to judge it; holds nothing beyond what a pull needs. */
export interface CacheEntry extends EntryTimes, EntryIdentity {
  /** The source's description (a file path or secret id, never a secret), for `pullkey cache list`. */
  source: string;
  registry: string;
  credential: RegistryCredential;
}

/** A failed fetch, recorded briefly so execs waiting on the same fetch can adopt its verdict. */
export interface FailureRecord {
  at: Date;
  code: ErrorCode;
  message: string;
}

/** Entries hold two short strings and a few dates; anything bigger was not written by pullkey. */
const MAX_ENTRY_BYTES = 64 * 1024;

/**
 * Files under the cache folder, one set per key: `<key>.json` entries, `<key>.lock` and
 * `<key>.failed`, all private state files (state/file.ts). An entry names its own key and rule
 * inside: one renamed onto another key's name is ignored, and the next fetch replaces it.
 * No method throws for a file system problem except `lock` and the writes, whose callers turn
 * any error into "fetch without the cache".
 */
export class CacheStore {
  constructor(
    readonly dir: string,
    private readonly uid: number,
  ) {}

  path(key: string, kind: "json" | "lock" | "failed"): string {
    return join(this.dir, `${key}.${kind}`);
  }

  async readEntry(want: EntryIdentity): Promise<CacheEntry | undefined> {
    const entry = decodeEntry(await this.read(this.path(want.key, "json"), true));
    return entry && entry.key === want.key && entry.rule === want.rule ? entry : undefined;
  }

  async writeEntry(entry: CacheEntry): Promise<void> {
    await writePrivateJson(this.path(entry.key, "json"), {
      v: 2,
      key: entry.key,
      rule: entry.rule,
      source: entry.source,
      registry: entry.registry,
      fetchedAt: entry.fetchedAt.toISOString(),
      freshUntil: entry.freshUntil.toISOString(),
      expiresAt: entry.expiresAt?.toISOString() ?? null,
      username: entry.credential.username,
      password: entry.credential.password,
    });
  }

  async readFailure(key: string): Promise<FailureRecord | undefined> {
    const doc = (await this.read(this.path(key, "failed"), false)) as
      | Record<string, unknown>
      | undefined;
    if (!doc || doc["key"] !== key) return undefined;
    if (typeof doc["code"] !== "string" || typeof doc["message"] !== "string") return undefined;
    const at = new Date(String(doc["at"]));
    if (Number.isNaN(at.getTime())) return undefined;
    return { at, code: doc["code"] as ErrorCode, message: doc["message"] };
  }

  async writeFailure(key: string, failure: FailureRecord): Promise<void> {
    await writePrivateJson(this.path(key, "failed"), {
      key,
      ...failure,
      at: failure.at.toISOString(),
    });
  }

  /** Tries once to take the key's single-flight lock (state/lock.ts); throws when it cannot. */
  lock(key: string, options: Omit<LockOptions, "uid">): Promise<LockAttempt> {
    return tryLock(this.path(key, "lock"), { ...options, uid: this.uid });
  }

  /** Every readable entry, for `pullkey cache list` and `clear`. */
  async entries(): Promise<CacheEntry[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const found: CacheEntry[] = [];
    for (const name of names.filter((n) => /^[0-9a-f]{64}\.json$/.test(n))) {
      const entry = decodeEntry(await this.read(join(this.dir, name), true));
      if (entry && `${entry.key}.json` === name) found.push(entry);
    }
    return found;
  }

  /** Every key with an entry or a failure record, readable or not (`pullkey cache clear`). */
  async keys(): Promise<string[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const keys = names
      .map((name) => /^([0-9a-f]{64})\.(json|failed)$/.exec(name)?.[1])
      .filter((key): key is string => key !== undefined);
    return [...new Set(keys)];
  }

  /** Removes a key's entry and failure record. */
  async remove(key: string): Promise<void> {
    for (const kind of ["json", "failed"] as const) {
      await unlink(this.path(key, kind)).catch((err: { code?: string }) => {
        if (err.code !== "ENOENT") throw err;
      });
    }
  }

  private read(path: string, secret: boolean): Promise<unknown> {
    return readPrivateJson(path, { uid: this.uid, maxBytes: MAX_ENTRY_BYTES, secret });
  }
}

/** Checks a parsed entry's shape; anything off means "no entry", never a crash. */
function decodeEntry(doc: unknown): CacheEntry | undefined {
  if (typeof doc !== "object" || doc === null) return undefined;
  const e = doc as Record<string, unknown>;
  if (e["v"] !== 2) return undefined;
  const dates = [e["fetchedAt"], e["freshUntil"]].map((d) => new Date(String(d)));
  const [fetchedAt, fresh] = dates;
  if (!fetchedAt || !fresh || dates.some((d) => Number.isNaN(d.getTime()))) return undefined;
  const strings = ["key", "rule", "source", "registry", "username", "password"] as const;
  if (strings.some((name) => typeof e[name] !== "string")) return undefined;
  const expiresAt = e["expiresAt"] === null ? undefined : new Date(String(e["expiresAt"]));
  if (expiresAt && Number.isNaN(expiresAt.getTime())) return undefined;
  return {
    key: e["key"] as string,
    rule: e["rule"] as string,
    source: e["source"] as string,
    registry: e["registry"] as string,
    fetchedAt,
    freshUntil: fresh,
    expiresAt,
    credential: { username: e["username"] as string, password: e["password"] as string },
  };
}
