import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { RELEASE_DIR_ENV, runnerFor } from "../release/cache.js";

/** A built file the end-to-end suites run, named in test titles. */
export interface Artifact {
  name: string;
  path: string;
}

/** The two files `npm run build` ships; end-to-end tests run both exactly as the kubelet would. */
const BUILT: readonly [Artifact, Artifact] = [
  { name: "bundle", path: fileURLToPath(new URL("../../dist/pullkey.cjs", import.meta.url)) },
  {
    name: "single executable",
    path: fileURLToPath(new URL("../../dist/pullkey", import.meta.url)),
  },
];

/**
 * The release tier (vitest.config.ts) runs the wire and failure suites again on the release's
 * executables, through the scripts test/release/setup.ts writes (qemu for the foreign one).
 */
function releaseArtifacts(dir: string): readonly [Artifact, Artifact] {
  return [
    { name: "amd64 release executable", path: join(dir, runnerFor("amd64")) },
    { name: "arm64 release executable", path: join(dir, runnerFor("arm64")) },
  ];
}

/** What the end-to-end suites run: the build's two files, or the release's executables. */
export const ARTIFACTS: readonly [Artifact, Artifact] = process.env[RELEASE_DIR_ENV]
  ? releaseArtifacts(process.env[RELEASE_DIR_ENV])
  : BUILT;

export interface Exec {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a built artifact the way the kubelet's ExecPlugin does: argv[0] is the full path, args
 * verbatim, the request on stdin, the environment inherited (plus extra entries, as the kubelet
 * appends the provider's `env`). Every captured output passes the leak scanner.
 */
export function exec(
  path: string,
  args: readonly string[],
  stdin: string | Uint8Array,
  options: { env?: Record<string, string>; uid?: number; gid?: number } = {},
): Exec {
  if (!existsSync(path)) throw new Error(`${path} is missing: run npm run build first`);
  const result = spawnSync(path, args, {
    input: stdin,
    env: { ...process.env, ...options.env },
    timeout: 20_000,
    ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.gid ?? options.uid }),
  });
  // EPIPE: pullkey stopped reading an oversized request early, which is what it should do.
  if (result.error && (result.error as { code?: string }).code !== "EPIPE") throw result.error;
  const captured = {
    status: result.status,
    stdout: result.stdout.toString("utf8"),
    stderr: result.stderr.toString("utf8"),
  };
  recordOutput(captured);
  return captured;
}

/**
 * Runs a built artifact like exec(), but without blocking this process: for execs that must
 * overlap, that talk to a server running in the test process itself, or whose stdin is slow.
 */
export function execAsync(
  path: string,
  args: readonly string[],
  stdin: string | Uint8Array,
  options: { env?: Record<string, string>; holdStdinMs?: number } = {},
): Promise<Exec> {
  return new Promise((resolve, reject) => {
    const child = spawn(path, args, { env: { ...process.env, ...options.env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (status) => {
      const captured = { status, stdout, stderr };
      recordOutput(captured);
      resolve(captured);
    });
    // EPIPE is fine here too: pullkey may stop reading an oversized request early.
    child.stdin.on("error", () => undefined);
    // holdStdinMs: a slow writer, which keeps stdin open that long after writing the request.
    if (options.holdStdinMs === undefined) child.stdin.end(stdin);
    else {
      child.stdin.write(stdin);
      setTimeout(() => child.stdin.end(), options.holdStdinMs);
    }
  });
}

const outputs: Exec[] = [];

/** Every output captured so far in this test file, for the leak scan. */
export function capturedOutputs(): readonly Exec[] {
  return outputs;
}

/** Adds an output captured outside exec() (e.g. from an async spawn) to the leak scan. */
export function recordOutput(output: Exec): void {
  outputs.push(output);
}
