// Runs a child process without blocking the event loop (vitest workers must stay responsive
// through multi-minute builds), collecting stdout and stderr together for error messages.
import { spawn } from "node:child_process";

/** Resolves with the exit status and the combined output; rejects only if it cannot start. */
export function run(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
    const chunks = [];
    child.stdout.on("data", (chunk) => chunks.push(chunk));
    child.stderr.on("data", (chunk) => chunks.push(chunk));
    child.on("error", (error) => reject(new Error(`${command}: ${error.message}`)));
    child.on("close", (status) =>
      resolve({ status, output: Buffer.concat(chunks).toString("utf8") }),
    );
  });
}
