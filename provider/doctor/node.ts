import { rootedFs } from "../install/fs.js";
import type { NodeView } from "./kubelet.js";

/**
 * The node's files read-only, with node paths placed under `root` (`--root DIR`): the installer's
 * view of the node, where a file doctor may not read (another process's /proc entry, a folder
 * where a file should be) counts as absent, since doctor reports rather than fails.
 */
export function rootedNodeView(root: string): NodeView {
  const fs = rootedFs(root);
  const absent = (err: unknown) =>
    ["ENOENT", "ENOTDIR", "EACCES", "ESRCH", "EISDIR"].includes(
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
    read: async (path) => {
      const bytes = await orAbsent(fs.read(path), undefined);
      return bytes === undefined ? undefined : Buffer.from(bytes).toString("utf8");
    },
    kind: (path) => orAbsent(fs.kind(path), undefined),
    list: (dir) => orAbsent(fs.list(dir), []),
  };
}
