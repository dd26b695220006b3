import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";

/**
 * The node tier's private registry: Debian's CNCF distribution on loopback with htpasswd auth,
 * in its own process group. Its log names the user of every request, which is how a test sees
 * whose credential a pull used.
 */

/** A registry user; `hash` is the bcrypt of `password` (distribution accepts only bcrypt). */
export interface User {
  user: string;
  password: string;
  hash: string;
}

/** Test users, hashed with cost 4 so the registry answers fast. */
export const USERS = {
  /** Pushes the images; never given to the node. */
  pusher: {
    user: "node-pusher",
    password: "node-tier-pusher-password-5a2b",
    hash: "$2b$04$7.IjJ9havj8PV9WN0Fi0T.fiLgihbNVxz9rtLuh/oucXCcNy0gBKq",
  },
  /** The node's pull credential, and the same user after a password rotation. */
  puller: {
    user: "node-puller",
    password: "node-tier-password-1-c41d",
    hash: "$2b$04$OpVnVzlFbuzUBempVBToiev0g.axYfx6oIFOEF7j3ZLAtSnjvzWHm",
  },
  rotated: {
    user: "node-puller",
    password: "node-tier-password-2-9e07",
    hash: "$2b$04$sEYpm/R0lqQEE4V72/UfLONKjKqxzUiBAnAZI5DKRku8J55cpNgoi",
  },
} as const satisfies Record<string, User>;

/** One request as the registry's log records it. */
export interface RegistryRequest {
  /** The authenticated user, or "-" for an anonymous request. */
  user: string;
  method: string;
  path: string;
  status: number;
}

export interface NodeRegistry {
  /** 127.0.0.1:<port>, the host as it appears in image names. */
  host: string;
  /** Requests logged so far. */
  requests(): RegistryRequest[];
  /** Restarts the registry (same port and storage) accepting only these users. */
  restart(users: readonly User[]): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the registry in `dir` accepting `users`. */
export async function startNodeRegistry(
  bin: string,
  dir: string,
  users: readonly User[],
  /** cgroup.procs files the registry joins, so a killed test's sweep finds it. */
  procs: readonly string[],
): Promise<NodeRegistry> {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const logFile = join(dir, "registry.log");
  const config = join(dir, "registry.yml");
  writeFileSync(
    config,
    [
      "version: 0.1",
      "log:",
      // Only debug lines carry auth.user.name on a successful request (distribution 2.8).
      "  level: debug",
      "  accesslog:",
      "    disabled: true",
      "storage:",
      "  filesystem:",
      `    rootdirectory: ${join(dir, "storage")}`,
      "  maintenance:",
      "    uploadpurging:",
      "      enabled: false",
      "http:",
      `  addr: ${host}`,
      "  secret: node-tier-test-only-not-secret",
      "auth:",
      "  htpasswd:",
      "    realm: pullkey-node-tier",
      `    path: ${join(dir, "htpasswd")}`,
      "",
    ].join("\n"),
  );
  let child: ChildProcess | undefined;
  const start = async (allowed: readonly User[]) => {
    writeFileSync(join(dir, "htpasswd"), allowed.map((u) => `${u.user}:${u.hash}\n`).join(""));
    const out = openSync(logFile, "a");
    const joinCgroup = procs.map((f) => `echo $$ > '${f}'`).join("; ");
    child = spawn("sh", ["-c", `${joinCgroup}; exec "$@"`, "registry", bin, "serve", config], {
      detached: true,
      stdio: ["ignore", out, out],
    });
    closeSync(out);
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && child.exitCode === null) {
      try {
        if ((await fetch(`http://${host}/v2/`)).status === 401) return;
      } catch {}
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`the registry on ${host} did not start:\n${readFileSync(logFile, "utf8")}`);
  };
  const stop = async () => {
    const running = child;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((resolve) => running.once("exit", resolve));
    process.kill(-(running.pid ?? 0), "SIGTERM");
    const timer = setTimeout(() => process.kill(-(running.pid ?? 0), "SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  };
  await start(users);
  return {
    host,
    requests: () => parseRegistryLog(readFileSync(logFile, "utf8")),
    async restart(allowed) {
      await stop();
      await start(allowed);
    },
    stop,
  };
}

/**
 * The requests in distribution's log, in order. Its access log never names the user, so they
 * come from the structured lines, grouped by request id: the debug lines of an authorized
 * request carry auth.user.name, "response completed" the status; a refused password logs
 * `error authenticating user "name"`; a request without credentials logs only the challenge.
 */
export function parseRegistryLog(text: string): RegistryRequest[] {
  const byId = new Map<string, RegistryRequest>();
  for (const line of text.split("\n")) {
    const fields = new Map<string, string>();
    for (const m of line.matchAll(/([\w.]+)=("(?:[^"\\]|\\.)*"|\S+)/g)) {
      const raw = m[2] ?? "";
      fields.set(m[1] ?? "", raw.startsWith('"') ? (JSON.parse(raw) as string) : raw);
    }
    const id = fields.get("http.request.id");
    if (!id) continue;
    const request = byId.get(id) ?? {
      user: "-",
      method: fields.get("http.request.method") ?? "",
      path: fields.get("http.request.uri") ?? "",
      status: 0,
    };
    byId.set(id, request);
    const msg = fields.get("msg") ?? "";
    const refused = /^error authenticating user "([^"]*)"/.exec(msg);
    if (refused) request.user = refused[1] ?? "-";
    if (msg.startsWith("error authorizing context")) request.status = 401;
    const user = fields.get("auth.user.name");
    if (user) request.user = user;
    const status = fields.get("http.response.status");
    if (status) request.status = Number(status);
  }
  return [...byId.values()];
}

/** A free loopback port (released again before the registry binds it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
