import type { NodeFs } from "../node/fs.js";

/**
 * The node as it will be once planned changes are written, read-only: install computes the
 * kubelet's command line on it to prove the flags land before it writes anything.
 */
export function overlayFs(
  fs: NodeFs,
  changes: readonly { path: string; after?: Uint8Array | undefined }[],
): NodeFs {
  const byPath = new Map(changes.map((c) => [c.path, c.after]));
  const under = (dir: string) => changes.filter((c) => c.after && c.path.startsWith(`${dir}/`));
  return {
    ...fs,
    async read(path, limit) {
      return byPath.has(path) ? byPath.get(path) : fs.read(path, limit);
    },
    async kind(path) {
      if (byPath.has(path)) return byPath.get(path) ? { type: "file", mode: 0o644 } : undefined;
      const real = await fs.kind(path);
      if (!real && under(path).length > 0) return { type: "dir", mode: 0o755 };
      return real;
    },
    async list(dir) {
      const names = new Set(await fs.list(dir));
      for (const change of under(dir)) {
        const name = change.path.slice(dir.length + 1).split("/")[0];
        if (name) names.add(name);
      }
      for (const [path, after] of byPath) {
        if (!after && path.startsWith(`${dir}/`)) names.delete(path.slice(dir.length + 1));
      }
      return [...names].sort();
    },
  };
}
