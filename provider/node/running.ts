import { basename } from "node:path";
import { type NodeFs, readText } from "./fs.js";
import type { Arg } from "./origin.js";

/**
 * The kubelet processes running on a live node, read from /proc/<pid>/cmdline, and how their
 * argv differs from the command line the files give: a difference means the kubelet was not
 * restarted since the files changed, or the files are not what its init system reads.
 */

export interface RunningKubelet {
  pid: number;
  argv: string[];
  /** k3s/RKE2 run the kubelet inside their own process: its flags are not in this argv. */
  embedded: boolean;
}

const NAMES = new Set(["kubelet", "k3s", "rke2"]);

/** Every running kubelet, k3s or rke2 process (the first is the one to compare). */
export async function runningKubelets(fs: NodeFs): Promise<RunningKubelet[]> {
  const found: RunningKubelet[] = [];
  for (const entry of await fs.list("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readText(fs, `/proc/${entry}/cmdline`).catch(() => undefined);
    if (!cmdline) continue;
    const argv = cmdline.split("\0");
    if (argv.at(-1) === "") argv.pop();
    const name = basename(argv[0] ?? "");
    if (NAMES.has(name)) found.push({ pid: Number(entry), argv, embedded: name !== "kubelet" });
  }
  // A plain kubelet first: that is the process whose flags matter.
  return found.sort((a, b) => Number(a.embedded) - Number(b.embedded) || a.pid - b.pid);
}

/** Words the files give that the process lacks, and words the process has that the files do not. */
export function commandLineDifference(
  files: readonly Arg[],
  running: readonly string[],
): { notRunning: string[]; notInFiles: string[] } {
  const left = files.slice(1).map((a) => a.value);
  const right = running.slice(1);
  const minus = (a: string[], b: string[]) => {
    const rest = [...b];
    return a.filter((word) => {
      const i = rest.indexOf(word);
      if (i < 0) return true;
      rest.splice(i, 1);
      return false;
    });
  };
  return { notRunning: minus(left, right), notInFiles: minus(right, left) };
}
