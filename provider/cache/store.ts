import { chmod, lstat, mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { ErrorCode } from "../errors.js";
import type { RegistryCredential } from "../sources/source.js";
import { readTrustedJson, writeJsonAtomic } from "./files.js";
import type { EntryTimes } from "./policy.js";

/** A cached credential with what it takes to judge it; holds nothing beyond what a pull needs. */
export interface CacheEntry extends EntryTimes {
  rule: string;
  /** The source's description (a file path or secret id, never a secret), for people reading the folder. */
  source: string;
  credential: RegistryCredential;
}

/** A failed fetch, recorded briefly so execs waiting on the same fetch fail with it instead of retrying. */
export interface FailureRecord {
  at: Date;
  code: ErrorCode;
  message: string;
}

/**
 * Files under the cache folder, one per key: `<key>.json` entries, `<key>.lock` and
 * `<key>.failed`. Everything is written atomically (temp file and rename in the same folder) with
 * mode 0600 in a 0700 folder. A file that is not a regular file owned by us with no group or
 * other access is not trusted: it is ignored, and the next write replaces it.
 */
export class CacheStore {
  constructor(
    readonly dir: string,
    private readonly uid: number,
  ) {}

  /** Creates the folder if needed; returns why it cannot be used, or undefined when it can. */
  async prepare(): Promise<string | undefined> {
    try {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      const info = await lstat(this.dir);
      if (!info.isDirectory()) return `${this.dir} is not a directory`;
      if (info.uid !== this.uid) return `${this.dir} is owned by uid ${info.uid}, not ${this.uid}`;
      if ((info.mode & 0o077) !== 0) await chmod(this.dir, 0o700);
      return undefined;
    } catch (err) {
      return `${this.dir}: ${(err as { code?: string }).code ?? "unusable"}`;
    }
  }

  path(key: string, kind: "json" | "lock" | "failed"): string {
    return join(this.dir, `${key}.${kind}`);
  }

  async readEntry(key: string): Promise<CacheEntry | undefined> {
    const doc = await this.readTrusted(this.path(key, "json"));
    return doc === undefined ? undefined : decodeEntry(doc);
  }

  async writeEntry(key: string, entry: CacheEntry): Promise<void> {
    await this.writeAtomic(this.path(key, "json"), {
      v: 1,
      rule: entry.rule,
      source: entry.source,
      fetchedAt: entry.fetchedAt.toISOString(),
      freshUntil: entry.freshUntil.toISOString(),
      expiresAt: entry.expiresAt?.toISOString() ?? null,
      username: entry.credential.username,
      password: entry.credential.password,
    });
  }

  async readFailure(key: string): Promise<FailureRecord | undefined> {
    const doc = (await this.readTrusted(this.path(key, "failed"))) as
      | Record<string, unknown>
      | undefined;
    if (!doc || typeof doc["code"] !== "string" || typeof doc["message"] !== "string")
      return undefined;
    const at = new Date(String(doc["at"]));
    if (Number.isNaN(at.getTime())) return undefined;
    return { at, code: doc["code"] as ErrorCode, message: doc["message"] };
  }

  async writeFailure(key: string, failure: FailureRecord): Promise<void> {
    await this.writeAtomic(this.path(key, "failed"), { ...failure, at: failure.at.toISOString() });
  }

  private readTrusted(path: string): Promise<unknown> {
    return readTrustedJson(path, this.uid);
  }

  private writeAtomic(path: string, doc: unknown): Promise<void> {
    return writeJsonAtomic(path, doc);
  }
}

/** Checks a parsed entry's shape; anything off means "no entry", never a crash. */
function decodeEntry(doc: unknown): CacheEntry | undefined {
  if (typeof doc !== "object" || doc === null) return undefined;
  const e = doc as Record<string, unknown>;
  if (e["v"] !== 1) return undefined;
  const dates = [e["fetchedAt"], e["freshUntil"]].map((d) => new Date(String(d)));
  const [fetchedAt, fresh] = dates;
  if (!fetchedAt || !fresh || dates.some((d) => Number.isNaN(d.getTime()))) return undefined;
  if (typeof e["username"] !== "string" || typeof e["password"] !== "string") return undefined;
  if (typeof e["rule"] !== "string" || typeof e["source"] !== "string") return undefined;
  const expiresAt = e["expiresAt"] === null ? undefined : new Date(String(e["expiresAt"]));
  if (expiresAt && Number.isNaN(expiresAt.getTime())) return undefined;
  return {
    rule: e["rule"],
    source: e["source"],
    fetchedAt,
    freshUntil: fresh,
    expiresAt,
    credential: { username: e["username"], password: e["password"] },
  };
}
