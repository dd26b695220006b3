// moto, the AWS test double (Secrets Manager, STS, IAM), run as moto_server on 127.0.0.1 for the
// AWS Secrets Manager tests. Installed with pip on first use (shared/reference/backends.md §0, §D.5).
import { spawn, spawnSync } from "node:child_process";
import { createServer } from "node:net";
import { run } from "./run.mjs";

/** The tested moto release. */
export const MOTO_VERSION = "5.2.1";

/** How long a cold moto (Python imports on a busy 2-core machine) may take to answer. */
const START_TIMEOUT_MS = 60_000;

const log = (line) => process.stderr.write(`peers: ${line}\n`);

/** The command that runs moto's server: moto_server on PATH, else `python3 -m moto.server`. */
function motoCommand() {
  if (spawnSync("moto_server", ["--help"], { stdio: "ignore" }).status === 0) {
    return ["moto_server", []];
  }
  if (spawnSync("python3", ["-c", "import moto.server, flask"], { stdio: "ignore" }).status === 0) {
    return ["python3", ["-m", "moto.server"]];
  }
  return undefined;
}

/** Returns the command for moto's server, installing moto[server] with pip when it is missing. */
export async function ensureMoto() {
  const found = motoCommand();
  if (found) return found;
  log(`installing moto[server]==${MOTO_VERSION} with pip for the AWS Secrets Manager tests`);
  const result = await run("python3", [
    "-m",
    "pip",
    "install",
    "--quiet",
    "--disable-pip-version-check",
    `moto[server]==${MOTO_VERSION}`,
  ]);
  if (result.status !== 0) {
    throw new Error(
      `pip install moto[server]==${MOTO_VERSION} exited ${result.status}:\n${result.output}`,
    );
  }
  const installed = motoCommand();
  if (!installed)
    throw new Error("pip installed moto, but neither moto_server nor python3 -m moto.server runs");
  return installed;
}

/** A free TCP port on loopback (the OS picks it; moto binds it right after). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts moto_server on 127.0.0.1 and a free port and waits until it answers. Returns its
 * endpoint, `reset()` (drop every resource), `enforceAuth(freeActions)` (moto checks signatures
 * and IAM policies after `freeActions` more requests; Infinity turns checks off again) and
 * `stop()`. The process is killed when the test process exits.
 */
export async function startMoto() {
  const [command, prefix] = await ensureMoto();
  let lastError;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const endpoint = `http://127.0.0.1:${port}`;
    const child = spawn(command, [...prefix, "-H", "127.0.0.1", "-p", String(port)], {
      stdio: ["ignore", "pipe", "pipe"],
      // No AWS settings from the developer's shell leak into the double.
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "/root",
        MOTO_PORT: String(port),
      },
    });
    let output = "";
    child.stdout.on("data", (chunk) => {
      output = (output + chunk).slice(-4000);
    });
    child.stderr.on("data", (chunk) => {
      output = (output + chunk).slice(-4000);
    });
    const exited = new Promise((resolve) => child.once("exit", (status) => resolve(status)));
    const killOnExit = () => child.kill("SIGKILL");
    process.once("exit", killOnExit);
    const stop = async () => {
      process.removeListener("exit", killOnExit);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        await Promise.race([exited, new Promise((r) => setTimeout(r, 3_000))]);
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      }
    };
    const post = async (path, body = "") => {
      const response = await fetch(`${endpoint}${path}`, { method: "POST", body });
      const text = await response.text();
      if (!response.ok) throw new Error(`moto ${path}: HTTP ${response.status}: ${text}`);
      return text;
    };
    const ready = await waitUntilAnswering(post, exited);
    if (ready === true) {
      return {
        endpoint,
        port,
        reset: () => post("/moto-api/reset").then(() => undefined),
        enforceAuth: (freeActions) =>
          post("/moto-api/reset-auth", String(freeActions === Infinity ? "inf" : freeActions)).then(
            () => undefined,
          ),
        stop,
      };
    }
    await stop();
    lastError = `moto_server on port ${port} ${ready}:\n${output}`;
  }
  throw new Error(lastError);
}

/** Polls moto's reset endpoint; true once it answers, else why it gave up. */
async function waitUntilAnswering(post, exited) {
  const deadline = Date.now() + START_TIMEOUT_MS;
  let status;
  exited.then((s) => {
    status = s;
  });
  while (Date.now() < deadline) {
    if (status !== undefined) return `exited with status ${status}`;
    try {
      await post("/moto-api/reset");
      return true;
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return `did not answer within ${START_TIMEOUT_MS / 1000}s`;
}
