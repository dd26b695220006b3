/**
 * Everything pullkey touches outside its own code, passed in by the entry point. Tests hand in
 * memory buffers and fixed clocks; main.ts hands in the process.
 */
export interface Io {
  /** Arguments after the executable. */
  argv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  /** The whole of stdin, read up to `limit` bytes (more is an error the caller reports). */
  readStdin(limit: number): Uint8Array;
  stdinIsTTY: boolean;
  /** Writes to stdout. Called at most once per run in plugin mode. */
  stdout(text: string): void;
  stderr(text: string): void;
  /** Reads a whole file, at most `limit` bytes (default 1 MiB, files.ts); more is an error. */
  readFile(path: string, limit?: number): Promise<Uint8Array>;
  /** Permission bits of a file, for the warnings of `validate` and `get`. */
  fileMode(path: string): Promise<number>;
  now(): Date;
  /**
   * Waits `ms` before a retry; absent, a timer that the exec's deadline cuts short. The build's
   * warm-up (warm-up.ts) passes one that does not wait, so its work never depends on timing.
   */
  sleep?(ms: number): Promise<void>;
  /** The user pullkey runs as; cache files must belong to it. */
  uid: number;
  /**
   * When the exec began, on the performance.now() clock: the plugin's time budget counts from
   * here. Absent (in-process tests), it counts from when the command starts.
   */
  startedAt?: number;
}

import { PullkeyError } from "./errors.js";

/** Exit statuses: the kubelet treats any non-zero status as "no credentials from this plugin". */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** The exit status for a failure: usage mistakes are told apart from runtime failures. */
export function exitStatusFor(err: unknown): number {
  return err instanceof PullkeyError && err.code === "USAGE" ? EXIT_USAGE : EXIT_FAILURE;
}
