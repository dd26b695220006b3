import { execFileSync, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ARTIFACTS, capturedOutputs, type Exec, exec, recordOutput } from "./artifacts.js";
import { expectNoLeaks } from "./leaks.js";

// Files an operator or a neighbour can get wrong: endless or huge files where a config or a
// password file should be, and configs whose YAML makes the parser warn or explode. Each exec
// must end within its budget with one clear line, small in memory, and never echo the config.
const SECRET = "hostile-files-secret-8e2b";
const REQUEST = `{"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/v1","image":"docker.io/library/busybox"}\n`;
const TIME = "/usr/bin/time";
/** Far above pullkey's ~70 MB, far below what reading a 300 MB file whole would take. */
const MAX_RSS_KB = 150 * 1024;
let dir: string;
let sparse: string;
let fifo: string;
const ROLE = "arn:aws:iam::123456789012:role/pullkey-hostile";
let configs = 0;

function config(body: string): string {
  const folder = join(dir, `c${configs++}`);
  mkdirSync(folder);
  const file = join(folder, "config.yaml");
  writeFileSync(
    file,
    `apiVersion: pullkey/v1\nkind: PullkeyConfig\nstateDir: ${join(folder, "state")}\nexecTimeout: 10s\n${body}`,
  );
  return file;
}

const awsRule = () =>
  `rules:\n  - name: hub\n    preset: dockerhub\n    source:\n      type: awsSecretsManager\n      secretId: hub\n      region: us-east-1\n      endpoint: http://127.0.0.1:1\n`;

const staticRule = (passwordFile: string, username = "u") =>
  `rules:\n  - name: hub\n    preset: dockerhub\n    source:\n      type: static\n      username: ${username}\n      passwordFile: ${passwordFile}\n`;

/** Runs the artifact under GNU time, for its peak RSS; time's own report goes to a file. */
function execMeasured(
  path: string,
  args: string[],
  env: Record<string, string> = {},
): Exec & { rssKb: number } {
  const report = join(dir, `time-${configs++}`);
  const result = spawnSync(TIME, ["-o", report, "-f", "%M", path, ...args], {
    input: REQUEST,
    timeout: 20_000,
    env: { ...process.env, ...env },
  });
  if (result.error) throw result.error;
  const captured = {
    status: result.status,
    stdout: result.stdout.toString("utf8"),
    stderr: result.stderr.toString("utf8"),
  };
  recordOutput(captured);
  const lines = readFileSync(report, "utf8").trim().split("\n");
  return { ...captured, rssKb: Number(lines[lines.length - 1]) };
}

function expectOneFailureLine(result: Exec, code: string, says: string): void {
  expect(result.stdout).toBe("");
  expect(result.status).toBe(1);
  expect(result.stderr.trimEnd().split("\n")).toHaveLength(1);
  expect(result.stderr).toMatch(new RegExp(`^pullkey: ${code}: `));
  expect(result.stderr).toContain(says);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "pullkey-hostile-"));
  sparse = join(dir, "huge.sparse");
  writeFileSync(sparse, "");
  truncateSync(sparse, 300 * 1024 * 1024);
  fifo = join(dir, "aws-config.fifo");
  execFileSync("mkfifo", [fifo]);
});

afterAll(() => {
  expectNoLeaks(capturedOutputs(), [SECRET]);
  rmSync(dir, { recursive: true, force: true });
});

describe.each(ARTIFACTS)("the $name reading files without bound", ({ path }) => {
  const rows = [
    {
      name: "/dev/zero as the config",
      args: () => ["--config", "/dev/zero"],
      code: "CONFIG_UNREADABLE",
      says: () =>
        "cannot read config /dev/zero: larger than 1 MiB, the most pullkey reads from a file",
    },
    {
      name: "a 300 MB file as the config",
      args: () => ["--config", sparse],
      code: "CONFIG_UNREADABLE",
      says: () => `cannot read config ${sparse}: larger than 1 MiB`,
    },
    {
      name: "/dev/zero as the password file",
      args: () => ["--config", config(staticRule("/dev/zero"))],
      code: "SOURCE_UNREADABLE",
      says: () => "cannot read password file /dev/zero: larger than 1 MiB",
    },
    {
      name: "a 300 MB password file",
      args: () => ["--config", config(staticRule(sparse))],
      code: "SOURCE_UNREADABLE",
      says: () => `cannot read password file ${sparse}: larger than 1 MiB`,
    },
    // The AWS SDK reads these itself, so pullkey checks them before calling it.
    {
      name: "/dev/zero as the AWS web identity token file",
      args: () => ["--config", config(awsRule())],
      env: () => ({ AWS_WEB_IDENTITY_TOKEN_FILE: "/dev/zero", AWS_ROLE_ARN: ROLE }),
      code: "SOURCE_UNREADABLE",
      says: () => "AWS_WEB_IDENTITY_TOKEN_FILE /dev/zero is a device, not a regular file",
    },
    {
      name: "a 300 MB AWS web identity token file",
      args: () => ["--config", config(awsRule())],
      env: () => ({ AWS_WEB_IDENTITY_TOKEN_FILE: sparse, AWS_ROLE_ARN: ROLE }),
      code: "SOURCE_UNREADABLE",
      says: () => `AWS_WEB_IDENTITY_TOKEN_FILE ${sparse} is larger than 1 MiB`,
    },
    {
      name: "a FIFO as the AWS shared config",
      args: () => ["--config", config(awsRule())],
      env: () => ({ AWS_CONFIG_FILE: fifo }),
      code: "SOURCE_UNREADABLE",
      says: () => `AWS_CONFIG_FILE ${fifo} is a FIFO, not a regular file`,
    },
  ];

  // GNU time measures the peak RSS; without it (not a GNU userland) these rows are skipped.
  it.skipIf(!existsSync(TIME)).each(rows)(
    "refuses $name in one line, with peak memory under 150 MB",
    (row) => {
      const result = execMeasured(path, row.args(), row.env?.() ?? {});
      expectOneFailureLine(result, row.code, row.says());
      expect(result.rssKb).toBeGreaterThan(0);
      expect(result.rssKb).toBeLessThan(MAX_RSS_KB);
    },
  );
});

describe.each(ARTIFACTS)("the $name reading hostile YAML", ({ path }) => {
  it("answers with a config whose unknown tag makes the YAML parser warn, printing nothing", () => {
    const password = join(dir, "password");
    writeFileSync(password, "pw", { mode: 0o600 });
    const file = config(staticRule(password, `!vault-ref ${SECRET}`));
    const result = exec(path, ["--config", file], REQUEST);
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout).auth["docker.io"].username).toBe(SECRET);
    expect(result.stderr).toBe("");
  });

  it("reports a warned-about secret under an unknown field by its path only", () => {
    const file = config(
      `rules:\n  - name: hub\n    preset: dockerhub\n    source:\n      type: static\n      username: u\n      passwordFile: /x\n      token: !secret ${SECRET}\n`,
    );
    const result = exec(path, ["--config", file], REQUEST);
    expectOneFailureLine(result, "CONFIG_INVALID", "rules[0].source.token: unknown field");
  });

  it("validate summarises the YAML warning by line, column and kind, without the config's text", () => {
    const password = join(dir, "password");
    const file = config(staticRule(password, `!vault-ref ${SECRET}`));
    const result = exec(path, ["validate", "--config", file], "");
    expect(result.status).toBe(0);
    expect(result.stderr).toBe(
      `pullkey: warning: config ${file} line 10, column 17: YAML warning: unknown tag, the value is read as plain text (TAG_RESOLVE_FAILED)\n`,
    );
  });

  it("refuses a billion-laughs alias bomb as an invalid config, not an internal error", () => {
    const lol = (name: string, of: string) =>
      `${name}: &${name} [${Array(9).fill(of).join(", ")}]\n`;
    const bomb = `x-laughs:\n  ${lol("a", '"lol"')}  ${lol("b", "*a")}  ${lol("c", "*b")}  ${lol("d", "*c")}  ${lol("e", "*d")}`;
    const result = exec(path, ["--config", config(`${bomb}${staticRule("/x")}`)], REQUEST);
    expectOneFailureLine(result, "CONFIG_INVALID", "expands YAML aliases more than 100 times");
  });
});
