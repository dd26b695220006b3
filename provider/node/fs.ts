import { constants } from "node:fs";
import { access, chmod, lstat, mkdir, open, readdir, rm, rmdir, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { PullkeyError } from "../errors.js";
import { describeFsError, MAX_FILE_BYTES, readFileBounded, writeFileAtomic } from "../files.js";

/**
 * The most install reads of an executable (its own copy and the one in the kubelet's bin dir,
 * ~105 MiB); every other node file (units, env files, kubelet and pullkey configs, the manifest)
 * gets MAX_FILE_BYTES, so /dev/zero or a huge file planted in their place is refused unread.
 */
export const EXECUTABLE_BYTES = 1024 * 1024 * 1024;

/**
 * A node's filesystem, as install and doctor see it. Paths are the node's absolute paths
 * (`/etc/default/kubelet`); `--root DIR` maps them under DIR, so tests run against a temp tree
 * and messages still name the paths an operator would look for.
 */
export interface NodeFs {
  /**
   * The file's bytes, or undefined when it does not exist. At most `limit` bytes (default
   * MAX_FILE_BYTES; above it the error's code is EFBIG), opened non-blocking: a FIFO where a
   * file should be reads as empty instead of hanging install or doctor.
   */
  read(path: string, limit?: number): Promise<Uint8Array | undefined>;
  /** What is at the path, or undefined. */
  kind(path: string): Promise<{ type: "file" | "dir" | "other"; mode: number } | undefined>;
  list(dir: string): Promise<string[]>;
  /** Atomically replaces (or creates) a file: temp file in the same folder, fsync, rename. */
  writeAtomic(path: string, bytes: Uint8Array, mode: number): Promise<void>;
  remove(path: string): Promise<void>;
  /** Creates a folder (and missing parents); returns the folders it created, outermost first. */
  makeDir(path: string, mode: number): Promise<string[]>;
  /** Removes a folder if it is empty; returns whether it did. */
  removeEmptyDir(path: string): Promise<boolean>;
  /** Why the folder cannot be written to ("read-only", "not writable"), or undefined. */
  writable(dir: string): Promise<string | undefined>;
  /** The host path for a node path (for messages and for spawning). */
  hostPath(path: string): string;
}

/** A NodeFs over the real filesystem, with node paths placed under `root`. */
export function rootedFs(root: string): NodeFs {
  const host = (path: string) => (root === "/" ? path : join(root, path));
  return {
    hostPath: host,
    async read(path, limit = MAX_FILE_BYTES) {
      try {
        // A FIFO or device (/dev/zero) where a unit or env file should be is refused unopened.
        if (!(await stat(host(path))).isFile()) throw notAFile();
        return await readFileBounded(host(path), limit);
      } catch (err) {
        if (isMissing(err)) return undefined;
        const code = (err as { code?: string }).code;
        if (code === "EFBIG" || code === "EAGAIN" || code === "ENOTFILE") {
          throw new PullkeyError(
            "CONFIG_UNREADABLE",
            `cannot read ${path}: ${describeFsError(err)}`,
            {
              cause: err,
            },
          );
        }
        throw err;
      }
    },
    async kind(path) {
      try {
        const info = await stat(host(path));
        const type = info.isFile() ? "file" : info.isDirectory() ? "dir" : "other";
        return { type, mode: info.mode & 0o7777 };
      } catch (err) {
        if (isMissing(err)) return undefined;
        throw err;
      }
    },
    async list(dir) {
      try {
        return (await readdir(host(dir))).sort();
      } catch (err) {
        if (isMissing(err)) return [];
        throw err;
      }
    },
    async writeAtomic(path, bytes, mode) {
      const target = host(path);
      // The temp name ends in neither .json, .yaml nor .yml, so a kubelet reading the config
      // directory at this moment never picks it up.
      await writeFileAtomic(target, bytes, mode, { sync: true });
      const folder = await open(dirname(target), "r");
      try {
        await folder.sync();
      } finally {
        await folder.close();
      }
    },
    async writable(dir) {
      try {
        await access(host(dir), constants.W_OK);
        return undefined;
      } catch (err) {
        return (err as { code?: string }).code === "EROFS"
          ? "on a read-only filesystem"
          : "not writable";
      }
    },
    async remove(path) {
      await rm(host(path), { force: true });
    },
    async makeDir(path, mode) {
      const missing: string[] = [];
      for (let dir = path; dir !== dirname(dir); dir = dirname(dir)) {
        try {
          await lstat(host(dir));
          break;
        } catch (err) {
          if (!isMissing(err)) throw err;
          missing.unshift(dir);
        }
      }
      for (const dir of missing) {
        await mkdir(host(dir), { mode });
        await chmod(host(dir), mode);
      }
      return missing;
    },
    async removeEmptyDir(path) {
      try {
        await rmdir(host(path));
        return true;
      } catch {
        return false;
      }
    },
  };
}

function notAFile(): Error {
  return Object.assign(new Error("not a regular file"), { code: "ENOTFILE" });
}

function isMissing(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === "ENOENT" || code === "ENOTDIR";
}

/** A file's text (UTF-8), or undefined when it does not exist. */
export async function readText(fs: NodeFs, path: string): Promise<string | undefined> {
  const bytes = await fs.read(path);
  return bytes === undefined ? undefined : Buffer.from(bytes).toString("utf8");
}

/**
 * The same filesystem for a reader that reports rather than fails (doctor): a path it may not
 * read (another process's /proc entry, a folder where a file should be) counts as absent.
 */
export function lenientFs(fs: NodeFs): NodeFs {
  const absent = (err: unknown) =>
    ["ENOENT", "ENOTDIR", "EACCES", "EPERM", "ESRCH", "EISDIR"].includes(
      (err as { code?: string }).code ?? "",
    );
  const orAbsent = async <T>(work: Promise<T>, fallback: T): Promise<T> => {
    try {
      return await work;
    } catch (err) {
      if (absent(err)) return fallback;
      throw err;
    }
  };
  return {
    ...fs,
    read: (path, limit) => orAbsent(fs.read(path, limit), undefined),
    kind: (path) => orAbsent(fs.kind(path), undefined),
    list: (dir) => orAbsent(fs.list(dir), []),
  };
}
