import { type ErrorCode, PullkeyError } from "./errors.js";

/** Turns a Node fs error into the few words an operator needs ("no such file", "permission denied"). */
export function describeFsError(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  switch (code) {
    case "ENOENT":
      return "no such file";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EISDIR":
      return "is a directory, not a file";
    case "ENOTDIR":
      return "a parent of the path is not a directory";
    case "ELOOP":
      return "too many symbolic links";
    default:
      return typeof code === "string" ? code : "unreadable";
  }
}

/** Reads a file, failing with `code` and a message naming what the file is and where. */
export async function readNamedFile(
  readFile: (path: string) => Promise<Uint8Array>,
  path: string,
  what: string,
  code: ErrorCode,
): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (err) {
    throw new PullkeyError(code, `cannot read ${what} ${path}: ${describeFsError(err)}`, {
      cause: err,
    });
  }
}
