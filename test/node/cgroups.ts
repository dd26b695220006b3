import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";

/**
 * One cgroup per test node, made in every mounted hierarchy (cgroup v1 has one per controller,
 * v2 one in all): `<name>/runtime` holds containerd, its shims and the kubelet, and `<name>/pods`
 * is the kubelet's cgroupRoot. Processes sit only in leaves, as cgroup v2 requires. Everything
 * the node started lives under `<name>`, so stopping it is: kill every pid listed there, then
 * remove the folders deepest first.
 */
export interface NodeCgroup {
  /** The kubelet's cgroupRoot, e.g. /pullkey-node-1234-ab/pods. */
  podsRoot: string;
  /** The cgroup.procs files a launcher writes its pid into before it execs the runtime. */
  runtimeProcs: string[];
  /** Pids still in the node's cgroups (each pid once). */
  pids(): number[];
  /** Kills every process in the node's cgroups and removes them; returns what was left. */
  remove(): Promise<string[]>;
}

/** The mount points of the cgroup hierarchies, from /proc/self/mountinfo. */
export function cgroupHierarchies(): string[] {
  return readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .filter((line) => / - cgroup2? /.test(line))
    .map((line) => line.split(" ")[4] ?? "")
    .filter((path) => path !== "");
}

/** Creates the node's cgroups at the root of every hierarchy. */
export function createNodeCgroup(name: string): NodeCgroup {
  const hierarchies = cgroupHierarchies();
  for (const h of hierarchies) {
    for (const leaf of ["", "runtime", "pods"]) {
      const dir = join(h, name, leaf);
      mkdirSync(dir, { recursive: true });
      // A cpuset cgroup v1 admits no task until it has cpus and mems; take the parent's.
      if (existsSync(join(dir, "cpuset.cpus")) && readOrEmpty(join(dir, "cpuset.cpus")) === "") {
        const parent = join(dir, "..");
        writeFileSync(join(dir, "cpuset.cpus"), readOrEmpty(join(parent, "cpuset.cpus")));
        writeFileSync(join(dir, "cpuset.mems"), readOrEmpty(join(parent, "cpuset.mems")));
      }
    }
  }
  const dirs = () => hierarchies.flatMap((h) => walk(join(h, name)));
  const pids = () => [
    ...new Set(
      dirs().flatMap((dir) =>
        readOrEmpty(join(dir, "cgroup.procs"))
          .split("\n")
          .filter((line) => line !== "")
          .map(Number),
      ),
    ),
  ];
  return {
    podsRoot: `/${name}/pods`,
    runtimeProcs: hierarchies.map((h) => join(h, name, "runtime", "cgroup.procs")),
    pids,
    async remove() {
      for (let attempt = 0; attempt < 50; attempt++) {
        for (const pid of pids()) {
          try {
            process.kill(pid, "SIGKILL");
          } catch {
            // already gone
          }
        }
        // Deepest first: a cgroup folder can go once its children and tasks are gone.
        for (const dir of dirs().reverse()) {
          try {
            rmdirSync(dir);
          } catch {
            // still busy; the next round retries
          }
        }
        if (dirs().length === 0) return [];
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return dirs();
    },
  };
}

/** A folder and every folder below it, parents before children. */
function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out = [dir];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) out.push(...walk(join(dir, entry.name)));
  }
  return out;
}

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return "";
  }
}
