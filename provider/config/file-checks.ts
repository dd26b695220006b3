import { resolve } from "node:path";
import type { Io } from "../io.js";
import { sourceFiles } from "../sources/index.js";
import type { Config } from "./config.js";
import { type FileMode, permissionWarnings } from "./permissions.js";

/**
 * Permission warnings for the config and every file its sources read. Files that cannot be
 * stat'ed are skipped here: reading them reports the real problem.
 */
export async function filePermissionWarnings(io: Io, config: Config): Promise<string[]> {
  const files = [
    { path: config.file, what: "config", secret: false },
    ...config.rules.flatMap((rule) =>
      sourceFiles(rule.source).map((file) => ({
        path: resolve(config.baseDir, file.path),
        what: `rule "${rule.name}" ${file.field}`,
        secret: true,
      })),
    ),
  ];
  const modes = await Promise.all(
    files.map(async (file): Promise<FileMode | undefined> => {
      try {
        return { ...file, mode: await io.fileMode(file.path) };
      } catch {
        return undefined;
      }
    }),
  );
  return permissionWarnings(modes.filter((m): m is FileMode => m !== undefined));
}
