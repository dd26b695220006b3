import type { EnvEdit } from "./env-edit.js";
import { flagWords, type Layout } from "./layout.js";
import type { FileRecord, FileRole, Manifest } from "./manifest.js";

/** The details a manifest record keeps so uninstall can take out exactly pullkey's part. */

/** What uninstall needs to take out exactly pullkey's part of a file. */
export function recordDetails(
  path: string,
  role: FileRole,
  edit: EnvEdit | undefined,
  layout: Layout,
  kubelet: { file: string; replaced?: unknown },
  entry: unknown,
  name: string,
): Partial<FileRecord> {
  if (role === "kubelet-config" && path === kubelet.file) {
    // The entry as written is kept only with a replaced one: uninstall compares the two.
    return {
      provider: name,
      ...(kubelet.replaced !== undefined ? { entry, replaced: kubelet.replaced } : {}),
    };
  }
  const target = layout.addFlags?.target;
  if (role === "flags" && target?.kind === "env-file" && target.path === path) {
    return {
      variable: target.variable,
      words: flagWords(layout.addFlags?.flags ?? {}),
      ...(edit ? { edit } : {}),
    };
  }
  return {};
}

/** The edit an earlier install recorded, for a file this run does not change. */
export function previousEdit(previous: Manifest | undefined, path: string): EnvEdit | undefined {
  return previous?.files.find((f) => f.path === path)?.edit;
}
