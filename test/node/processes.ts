import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

/**
 * How the node and cluster tiers run their long-lived peers (containerd, the kubelet, etcd, the
 * control plane): each in its own process group, logging to `<logs>/<name>.log`, and joined to
 * a test cgroup before it execs, so a sweep finds whatever a killed test left behind.
 */

/** Starts `argv` after writing its pid into each of `procs` (cgroup.procs files). */
export function launch(
  logs: string,
  name: string,
  argv: string[],
  { env, procs }: { env: Record<string, string>; procs: readonly string[] },
): ChildProcess {
  // The launcher joins the cgroup, then execs the real command: the pid stays the same.
  const joinCgroup = procs.map((f) => `echo $$ > '${f}'`).join("; ");
  const out = openSync(join(logs, `${name}.log`), "a");
  const child = spawn("sh", ["-c", `${joinCgroup}; exec "$@"`, name, ...argv], {
    detached: true,
    stdio: ["ignore", out, out],
    env,
  });
  closeSync(out);
  return child;
}

/** The last 40 lines of a peer's log, for error messages. */
export function logTail(logs: string, name: string): string {
  const file = join(logs, `${name}.log`);
  return existsSync(file) ? readFileSync(file, "utf8").split("\n").slice(-40).join("\n") : "";
}

/** SIGTERM to a process group, SIGKILL after 5 s; resolves once its leader is gone. */
export async function stopGroup(child: ChildProcess | undefined): Promise<void> {
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(-(child.pid ?? 0), s);
    } catch {
      // the group is gone
    }
  };
  signal("SIGTERM");
  const timer = setTimeout(() => signal("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}

/** Polls `check` every 200 ms; rejects with `why()` after `timeoutMs`. */
export async function waitFor(
  check: () => Promise<boolean>,
  timeoutMs: number,
  why: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(why());
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * A tier's teardown: every cleanup runs, last pushed first, even after one fails; then the
 * tier's folder goes; then the first failure is thrown, so nothing is left running behind it.
 */
export async function tearDown(
  cleanups: (() => Promise<void>)[],
  dir: string | undefined,
): Promise<void> {
  const errors: unknown[] = [];
  for (const cleanup of cleanups.reverse()) await cleanup().catch((e) => errors.push(e));
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (errors.length > 0) throw errors[0];
}
