import { execFileSync } from "node:child_process";
import {
  closeSync,
  constants,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ARTIFACTS, capturedOutputs, type Exec, exec, execAsync } from "./artifacts.js";
import { expectNoLeaks } from "./leaks.js";

// The exec's one budget, counted from the start of the process, and the recording (log, metrics)
// that comes after the answer and can neither delay it nor change its exit status. Faults a
// real peer cannot produce (a held-open stdin, a resetting backend) come from this process.
const SECRET = "budget-suite-secret-5c1d";
const REQUEST = `{"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/v1","image":"docker.io/library/busybox"}\n`;
let dir: string;
let configs = 0;
let resetting: Server;
let resetPort = 0;
let silent: Server;
let silentPort = 0;
const sockets: Socket[] = [];
const held: number[] = [];

/** A config in its own folder (own state), with a static source reading the secret file. */
function config(extra: string, source?: string): string {
  const folder = join(dir, `c${configs++}`);
  mkdirSync(folder);
  const file = join(folder, "config.yaml");
  writeFileSync(
    file,
    `apiVersion: pullkey/v1
kind: PullkeyConfig
stateDir: ${join(folder, "state")}
${extra}
rules:
  - name: hub
    preset: dockerhub
    source:
${source ?? `      type: static\n      username: u\n      passwordFile: ${join(dir, "password")}`}
`,
  );
  return file;
}

/** Runs like the kubelet, but keeps stdin open `holdMs` after writing the request. */
async function execSlowStdin(
  path: string,
  file: string,
  holdMs: number,
): Promise<Exec & { ms: number }> {
  const started = performance.now();
  const result = await execAsync(path, ["--config", file], REQUEST, { holdStdinMs: holdMs });
  return { ...result, ms: performance.now() - started };
}

function expectOneFailureLine(result: Exec, code: string): void {
  expect(result.stdout).toBe("");
  expect(result.status).toBe(1);
  expect(result.stderr.trimEnd().split("\n")).toHaveLength(1);
  expect(result.stderr).toMatch(new RegExp(`^pullkey: ${code}: `));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "pullkey-budget-"));
  // Accepts and never answers: a hung backend.
  silent = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  silentPort = (silent.address() as { port: number }).port;
  writeFileSync(join(dir, "password"), SECRET, { mode: 0o600 });
  resetting = createServer((socket) => socket.resetAndDestroy());
  await new Promise<void>((resolve) => resetting.listen(0, "127.0.0.1", resolve));
  resetPort = (resetting.address() as { port: number }).port;
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => silent.close(resolve));
  await new Promise((resolve) => resetting.close(resolve));
  for (const fd of held) closeSync(fd);
  expectNoLeaks(capturedOutputs(), [SECRET]);
  rmSync(dir, { recursive: true, force: true });
});

describe.each(ARTIFACTS)("the $name's time budget", ({ path }) => {
  it("counts the time before the config is read: a 14s budget with 8s spent on stdin ends 6s after the hung source is asked", async () => {
    const file = config(
      "execTimeout: 14s",
      `      type: vault\n      address: http://127.0.0.1:${silentPort}\n      auth: {method: token, tokenFile: ${join(dir, "password")}}\n      secret: {engine: kv-v2, mount: secret, path: hub}`,
    );
    const result = await execSlowStdin(path, file, 8_000);
    expectOneFailureLine(result, "DEADLINE_EXCEEDED");
    expect(result.stderr).toContain('image "docker.io/library/busybox", rule "hub": ');
    // A budget counted after the config read would end at 22 s; 4.5 s either side for load.
    expect(result.ms).toBeLessThan(18_500);
  }, 40_000);

  it("gives an exec whose start spent the whole budget a last chance, enough for a quick source", async () => {
    const result = await execSlowStdin(path, config("execTimeout: 1s"), 1_500);
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout).auth["docker.io"].password).toBe(SECRET);
  });
});

describe.each(ARTIFACTS)("the $name recording after the answer", ({ path }) => {
  const logRows = [
    {
      name: "a FIFO nobody reads",
      make: (file: string) => execFileSync("mkfifo", [file]),
      says: "is a FIFO or device with no reader, not a regular file",
    },
    {
      name: "a FIFO with a reader",
      make: (file: string) => {
        execFileSync("mkfifo", [file]);
        // Held open read-write (never read) until the suite ends: a reader is present.
        held.push(openSync(file, constants.O_RDWR | constants.O_NONBLOCK));
      },
      says: "is a FIFO, not a regular file",
    },
    {
      name: "a folder",
      make: (file: string) => mkdirSync(file),
      says: "is a directory, not a regular file",
    },
  ];

  it.each(logRows)("answers at once, exit 0, when log.file is $name", ({ make, says }) => {
    const log = join(dir, `log-${configs}`);
    make(log);
    const result = exec(path, ["--config", config(`log:\n  file: ${log}`)], REQUEST);
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout).auth["docker.io"].password).toBe(SECRET);
    expect(result.stderr).toBe(`pullkey: warning: log.file ${log}: ${says}; no log line written\n`);
  });

  it("answers when log.file is a device, and writes nothing to it", () => {
    const result = exec(path, ["--config", config("log:\n  file: /dev/null")], REQUEST);
    expect(result.status).toBe(0);
    expect(result.stderr).toContain("log.file /dev/null: is a device, not a regular file");
  });

  it("keeps stderr to the one error line when the exec fails and the log cannot be written", () => {
    const log = join(dir, `log-${configs}`);
    mkdirSync(log);
    const file = config(
      `log:\n  file: ${log}`,
      `      type: static\n      username: u\n      passwordFile: ${join(dir, "absent")}`,
    );
    expectOneFailureLine(exec(path, ["--config", file], REQUEST), "SOURCE_UNREADABLE");
  });
});

describe.each(ARTIFACTS)("the $name reporting a reset connection", ({ path }) => {
  const sources = [
    {
      name: "Vault",
      source: () =>
        `      type: vault\n      address: http://127.0.0.1:${resetPort}\n      auth: {method: token, tokenFile: ${join(dir, "password")}}\n      secret: {engine: kv-v2, mount: secret, path: hub}`,
    },
    {
      name: "Secrets Manager",
      source: () =>
        `      type: awsSecretsManager\n      secretId: hub\n      region: us-east-1\n      endpoint: http://127.0.0.1:${resetPort}`,
    },
  ];

  it.each(sources)(
    "says $name reset the connection, not that it did not answer in time",
    async ({ source }) => {
      const result = await execAsync(
        path,
        ["--config", config("execTimeout: 10s", source())],
        REQUEST,
        {
          env: {
            AWS_ACCESS_KEY_ID: "AKIARESETTEST",
            AWS_SECRET_ACCESS_KEY: "reset-test-key",
            AWS_EC2_METADATA_DISABLED: "true",
          },
        },
      );
      expectOneFailureLine(result, "SOURCE_UNREACHABLE");
      expect(result.stderr).toContain("connection reset by the other side (ECONNRESET)");
      expect(result.stderr).not.toContain("in time");
    },
  );
});
