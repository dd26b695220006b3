import { constants } from "node:fs";
import { dirname, join } from "node:path";
import { access, stat } from "../../fs-async.js";

/**
 * Where helpers are looked for when the source sets no `credentialHelperDir`: systemd's default
 * PATH for services (the kubelet runs under systemd and passes its environment to the plugin).
 * A fixed list rather than $PATH, so that `pullkey get` in a login shell finds exactly what the
 * kubelet's exec finds, and no writable folder on someone's PATH can supply a helper to root.
 */
export const DEFAULT_HELPER_DIRS: readonly string[] = [
  "/usr/local/sbin",
  "/usr/local/bin",
  "/usr/sbin",
  "/usr/bin",
  "/sbin",
  "/bin",
];

/** The folders searched for a source's helpers, in order. */
export function helperDirs(credentialHelperDir: string | undefined): readonly string[] {
  return credentialHelperDir === undefined ? DEFAULT_HELPER_DIRS : [credentialHelperDir];
}

/** The executable docker runs for a helper name. */
export function helperFile(name: string): string {
  return `docker-credential-${name}`;
}

/** Where a helper was looked for and what was found. */
export type HelperLookup =
  | { found: true; path: string }
  | { found: false; dirs: readonly string[]; untrusted?: { path: string; why: string } };

/**
 * Finds `docker-credential-<name>` in the first folder that has it as an executable file.
 * pullkey runs as root for the kubelet, so a helper that others could replace is refused:
 * the file and its folder must not be writable by group or others, and must be owned by root
 * or by pullkey's own user. `root` prefixes every folder (an installer's `--root`).
 */
export async function findHelper(
  name: string,
  dirs: readonly string[],
  options: { root?: string; uid?: number } = {},
): Promise<HelperLookup> {
  const uid = options.uid ?? process.getuid?.() ?? 0;
  for (const dir of dirs) {
    const path = join(options.root ?? "/", dir, helperFile(name));
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(path);
      await access(path, constants.X_OK);
    } catch {
      continue;
    }
    if (!info.isFile()) continue;
    const why = (await distrust(path, info, uid)) ?? (await distrust(dirname(path), null, uid));
    if (why) return { found: false, dirs, untrusted: { path, why } };
    return { found: true, path };
  }
  return { found: false, dirs };
}

async function distrust(
  path: string,
  known: { mode: number; uid: number } | null,
  uid: number,
): Promise<string | undefined> {
  const info = known ?? (await stat(path).catch(() => null));
  if (!info) return undefined;
  if (info.uid !== 0 && info.uid !== uid) return `${path} is owned by uid ${info.uid}`;
  // A sticky folder (/tmp) still lets others add files; only the owner may write here.
  if ((info.mode & 0o022) !== 0) return `${path} is writable by group or others`;
  return undefined;
}
