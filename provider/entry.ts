import { fstatSync, readSync, writeSync } from "node:fs";
import { run } from "./cli.js";
import { readFileBounded } from "./files.js";
import { stat } from "./fs-async.js";
import { EXIT_FAILURE } from "./io.js";

// Wires the live process into run(), for both entry points: main.ts (the bundle) and
// sea/core.ts (the single executable). fs.readSync/writeSync on fds 0 and 1 start faster than
// process.stdin/stdout streams, and being synchronous they have finished before process.exit().

function readStdin(limit: number): Uint8Array {
  const chunks: Buffer[] = [];
  let total = 0;
  const chunk = Buffer.alloc(64 * 1024);
  for (;;) {
    let n: number;
    try {
      n = readSync(0, chunk, 0, chunk.length, null);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === "EAGAIN") {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
        continue;
      }
      if (code === "EOF") break;
      throw err;
    }
    if (n === 0) break;
    chunks.push(Buffer.from(chunk.subarray(0, n)));
    total += n;
    if (total >= limit) break;
  }
  return Buffer.concat(chunks);
}

function writeAll(fd: number, text: string): void {
  const bytes = Buffer.from(text, "utf8");
  let offset = 0;
  while (offset < bytes.length) {
    try {
      offset += writeSync(fd, bytes, offset);
    } catch (err) {
      if ((err as { code?: string }).code !== "EAGAIN") throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    }
  }
}

/**
 * Runs one pullkey invocation on this process: argv, env, cwd, stdin and the clock are read
 * here, when called, never at import (the single executable's warm-up imports this module at build
 * time).
 */
export function runProcess(): void {
  // Node prints every process warning (a library's deprecation, the yaml parser's warnings with
  // the offending config line) to stderr. On failure the kubelet logs our stderr, which must
  // hold only pullkey's own line; warnings that matter are reported by pullkey itself.
  process.removeAllListeners("warning");
  run({
    argv: process.argv.slice(2),
    env: process.env,
    cwd: process.cwd(),
    readStdin,
    // fstat rather than tty.isatty: loading node:tty also loads node:net, a few ms per exec.
    stdinIsTTY: fstatSync(0).isCharacterDevice(),
    stdout: (text) => writeAll(1, text),
    stderr: (text) => writeAll(2, text),
    readFile: (path, limit) => readFileBounded(path, limit),
    fileMode: async (path) => (await stat(path)).mode,
    now: () => new Date(),
    uid: process.getuid?.() ?? 0,
    // The exec's time budget counts from 0 on the performance.now() clock: the process's time
    // origin, set as node starts. So node's start-up and loading the bundle, before this file's
    // first line, are counted too, as they are on the kubelet's one-minute clock.
    startedAt: 0,
  }).then(
    (status) => {
      // Everything is written synchronously by now, so leave at once: a timed-out backend call
      // may still hold the event loop (a blocked read, an open socket), and the kubelet waits for
      // our exit. process.exit() also skips tearing the heap down, which a process that drains its
      // event loop does: about a tenth of a cache hit's CPU (BENCHMARKS.md).
      process.exit(status);
    },
    (err: unknown) => {
      // run() reports its own failures; reaching here means writing them failed too.
      try {
        writeAll(2, `pullkey: INTERNAL: ${(err as Error)?.name ?? "failure"}\n`);
      } catch {}
      process.exit(EXIT_FAILURE);
    },
  );
}
