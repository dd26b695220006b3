import { spawn } from "node:child_process";

/** Output beyond this (1 MiB) on either stream is not a credential: the helper is killed. */
export const MAX_HELPER_OUTPUT = 1024 * 1024;

// Once the helper has exited, a process it left holding the pipes gets this long before the
// whole group is killed: the answer is complete when the helper exits.
const DRAIN_AFTER_EXIT_MS = 200;

/** How one helper run ended. stderr is read and dropped: it may hold secrets. */
export interface HelperRun {
  /** Exit status, or null when a signal ended it. */
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  /** The stream that passed `maxOutput` (the helper was then killed). */
  overflow?: "stdout" | "stderr";
  /** The exec's deadline fired first (the helper was then killed). */
  aborted?: boolean;
  /** The helper could not be started (`spawn` failed: ENOENT, EACCES, ENOEXEC). */
  startError?: unknown;
}

/**
 * Runs `path get` the way docker's credential-helpers client does: the server URL on stdin (no
 * newline), the answer on stdout. The helper leads its own process group (a new session), so
 * that when the deadline fires or output overflows the helper and everything it started are
 * killed together. Never rejects: every ending is a `HelperRun` for `helperAnswer` to judge.
 */
export function runHelperGet(
  path: string,
  serverURL: string,
  options: {
    env: Readonly<Record<string, string | undefined>>;
    signal: AbortSignal;
    maxOutput?: number;
  },
): Promise<HelperRun> {
  const max = options.maxOutput ?? MAX_HELPER_OUTPUT;
  return new Promise((resolve) => {
    if (options.signal.aborted) {
      resolve({ status: null, signal: null, stdout: Buffer.alloc(0), aborted: true });
      return;
    }
    const child = spawn(path, ["get"], {
      cwd: "/",
      env: options.env as NodeJS.ProcessEnv,
      stdio: ["pipe", "pipe", "pipe"],
      detached: true,
    });
    const chunks: Buffer[] = [];
    const seen = { stdout: 0, stderr: 0 };
    let ending: Partial<HelperRun> = {};
    let exited: { status: number | null; signal: NodeJS.Signals | null } | undefined;
    let settled = false;
    let drainTimer: NodeJS.Timeout | undefined;

    const killGroup = () => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // ESRCH: the group is already gone.
      }
    };
    const finish = () => {
      if (settled) return;
      settled = true;
      options.signal.removeEventListener("abort", onAbort);
      clearTimeout(drainTimer);
      child.stdout.destroy();
      child.stderr.destroy();
      resolve({
        status: exited?.status ?? null,
        signal: exited?.signal ?? null,
        stdout: Buffer.concat(chunks),
        ...ending,
      });
    };
    const stop = (why: Partial<HelperRun>) => {
      if (settled) return;
      ending = { ...why, ...ending };
      killGroup();
      finish();
    };
    const onAbort = () => stop({ aborted: true });
    options.signal.addEventListener("abort", onAbort, { once: true });

    const count = (stream: "stdout" | "stderr", chunk: Buffer) => {
      seen[stream] += chunk.length;
      if (seen[stream] > max) stop({ overflow: stream });
      else if (stream === "stdout") chunks.push(chunk);
    };
    child.stdout.on("data", (chunk: Buffer) => count("stdout", chunk));
    child.stderr.on("data", (chunk: Buffer) => count("stderr", chunk));
    child.on("error", (err) => {
      // Only a failed start reaches here with no pid; later errors end in "close" anyway.
      if (child.pid === undefined) stop({ startError: err });
    });
    child.on("exit", (status, signal) => {
      exited = { status, signal };
      if (settled) return;
      drainTimer = setTimeout(() => {
        killGroup();
        finish();
      }, DRAIN_AFTER_EXIT_MS);
    });
    child.on("close", finish);
    // A helper that exits without reading stdin makes this write fail with EPIPE; that is fine.
    child.stdin.on("error", () => undefined);
    child.stdin.end(serverURL);
  });
}
