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
 * One cgroup per test world, made in every mounted hierarchy (cgroup v1 has one per controller,
 * v2 one in all), named `pullkey-node-<test pid>-<id>`: `registry` holds the registry,
 * `runtime` containerd, its shims and the kubelet, and `pods` is the kubelet's cgroupRoot.
 * Processes sit only in leaves, as cgroup v2 requires. Everything the world started lives below
 * it (the cluster tier's etcd and control plane in `control-plane`), so stopping is: kill every pid listed there, then remove the folders deepest first. A
 * world whose test process was killed is swept by the next one.
 */
export type Leaf = "registry" | "runtime" | "pods" | "control-plane";

export interface NodeCgroup {
  /** The kubelet's cgroupRoot, e.g. /pullkey-node-1234-ab/pods. */
  podsRoot: string;
  /** The cgroup.procs files a launcher writes its pid into before it execs into `leaf`. */
  procs(leaf: Leaf): string[];
  /** Kills every process in these leaves (all of them by default). */
  kill(leaves?: readonly Leaf[]): Promise<void>;
  /** Kills every process in the world's cgroups and removes them; returns what was left. */
  remove(): Promise<string[]>;
}

const PREFIX = "pullkey-node-";

/** The mount points of the cgroup hierarchies, from /proc/self/mountinfo. */
export function cgroupHierarchies(): string[] {
  return readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .filter((line) => / - cgroup2? /.test(line))
    .map((line) => line.split(" ")[4] ?? "")
    .filter((path) => path !== "");
}

/** Creates a world's cgroups at the root of every hierarchy. */
export function createNodeCgroup(): NodeCgroup {
  const name = `${PREFIX}${process.pid}-${Date.now().toString(36)}`;
  const hierarchies = cgroupHierarchies();
  for (const h of hierarchies) {
    for (const leaf of ["", "registry", "runtime", "pods", "control-plane"]) {
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
  return nodeCgroup(hierarchies, name);
}

/** Removes the worlds of test processes that are gone (killed before their afterAll ran). */
export async function sweepAbandonedCgroups(): Promise<void> {
  const hierarchies = cgroupHierarchies();
  const names = new Set(
    hierarchies.flatMap((h) => readdirSync(h).filter((n) => n.startsWith(PREFIX))),
  );
  for (const name of names) {
    const pid = Number(name.slice(PREFIX.length).split("-")[0]);
    if (!pidAlive(pid)) await nodeCgroup(hierarchies, name).remove();
  }
}

function nodeCgroup(hierarchies: string[], name: string): NodeCgroup {
  const dirs = (leaves?: readonly Leaf[]) =>
    hierarchies.flatMap((h) =>
      leaves ? leaves.flatMap((l) => walk(join(h, name, l))) : walk(join(h, name)),
    );
  const pids = (leaves?: readonly Leaf[]) => [
    ...new Set(
      dirs(leaves).flatMap((dir) =>
        readOrEmpty(join(dir, "cgroup.procs"))
          .split("\n")
          .filter((line) => line !== "")
          .map(Number),
      ),
    ),
  ];
  const kill = async (leaves?: readonly Leaf[]) => {
    for (let attempt = 0; attempt < 50 && pids(leaves).length > 0; attempt++) {
      for (const pid of pids(leaves)) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  return {
    podsRoot: `/${name}/pods`,
    procs: (leaf) => hierarchies.map((h) => join(h, name, leaf, "cgroup.procs")),
    kill,
    async remove() {
      for (let attempt = 0; attempt < 50; attempt++) {
        await kill();
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

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
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
