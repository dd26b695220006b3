import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "../../provider/cli.js";
import type { Io } from "../../provider/io.js";

const SECRET = "cli-suite-secret-19c2";
let dir: string;

interface Captured {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs pullkey in memory: the same run() the executables call, with buffers for the process. */
async function pullkey(
  argv: string[],
  options: {
    stdin?: string;
    tty?: boolean;
    env?: Record<string, string>;
    stdoutFails?: string;
  } = {},
): Promise<Captured> {
  let stdout = "";
  let stderr = "";
  const io: Io = {
    argv,
    env: options.env ?? {},
    cwd: dir,
    readStdin: () => new TextEncoder().encode(options.stdin ?? ""),
    stdinIsTTY: options.tty ?? false,
    stdout: (text) => {
      if (options.stdoutFails) {
        const code = options.stdoutFails;
        throw Object.assign(new Error(`${code}: write failed, write`), { code });
      }
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    readFile: (path) => readFile(path),
    fileMode: async (path) => (await stat(path)).mode,
    now: () => new Date("2026-11-27T12:00:00Z"),
    uid: process.getuid?.() ?? 0,
  };
  const status = await run(io);
  return { status, stdout, stderr };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "pullkey-cli-"));
  writeFileSync(join(dir, "token"), `${SECRET}\n`);
  writeFileSync(
    join(dir, "config.yaml"),
    "apiVersion: pullkey/v1\nkind: PullkeyConfig\ncache: {enabled: false}\nrules:\n  - name: hub\n    preset: dockerhub\n    source: {type: static, username: robot, passwordFile: token}\n  - name: hidden\n    match: [docker.io/team-a]\n    source: {type: static, username: x, passwordFile: token}\n",
  );
  writeFileSync(
    join(dir, "missing-file.yaml"),
    "apiVersion: pullkey/v1\nkind: PullkeyConfig\ncache: {enabled: false}\nrules:\n  - name: hub\n    preset: dockerhub\n    source: {type: dockerConfig, path: absent.json}\n",
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("pullkey get", () => {
  it("normalises the image like the kubelet and redacts the password", async () => {
    const result = await pullkey(["get", "busybox:1.36", "--config", "config.yaml"]);
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      kind: "CredentialProviderResponse",
      apiVersion: "credentialprovider.kubelet.k8s.io/v1",
      cacheKeyType: "Image",
      cacheDuration: "10m0s",
      auth: { "docker.io": { username: "robot", password: "<redacted: use --show-secrets>" } },
    });
    expect(result.stderr).toContain('docker.io/library/busybox (from busybox:1.36): rule "hub"');
    expect(`${result.stdout}${result.stderr}`).not.toContain(SECRET);
  });

  it("shows the password only with --show-secrets", async () => {
    const result = await pullkey(["get", "busybox", "--config", "config.yaml", "--show-secrets"]);
    expect(JSON.parse(result.stdout).auth["docker.io"].password).toBe(SECRET);
  });

  it("explains the rule, the cache key type and where the credential came from with --verbose", async () => {
    const result = await pullkey(["get", "busybox", "--config", "config.yaml", "--verbose"]);
    expect(result.status).toBe(0);
    expect(result.stderr).toContain(
      'pullkey: image docker.io/library/busybox matches rule "hub" by pattern docker.io',
    );
    expect(result.stderr).toContain(
      'pullkey: cacheKeyType Image: "hidden" also has patterns on docker.io',
    );
    expect(result.stderr).toMatch(/pullkey: credential from the source in \d+ ms/);
    expect(result.stderr).not.toContain(SECRET);
  });

  it("answers in the apiVersion asked for", async () => {
    const result = await pullkey([
      "get",
      "busybox",
      "--config",
      "config.yaml",
      "--api-version",
      "v1alpha1",
    ]);
    expect(JSON.parse(result.stdout).apiVersion).toBe("credentialprovider.kubelet.k8s.io/v1alpha1");
  });

  it("prints config warnings so a human sees a hidden rule", async () => {
    const result = await pullkey(["get", "busybox", "--config", "config.yaml"]);
    expect(result.stderr).toContain('pullkey: warning: rules[1] ("hidden") is never used');
  });
});

describe("pullkey validate", () => {
  it("warns when a secret file is readable by others or the config writable by them", async () => {
    chmodSync(join(dir, "token"), 0o644);
    chmodSync(join(dir, "config.yaml"), 0o666);
    try {
      const result = await pullkey(["validate", "--config", "config.yaml"]);
      expect(result.status).toBe(0);
      expect(result.stderr).toContain(
        `pullkey: warning: config ${join(dir, "config.yaml")} is writable by group or others (mode 0666); whoever can write it decides which credentials the kubelet gets: chmod go-w`,
      );
      expect(result.stderr).toContain(
        `pullkey: warning: rule "hub" passwordFile ${join(dir, "token")} is readable by group or others (mode 0644); it holds a credential: chmod 0600`,
      );
    } finally {
      chmodSync(join(dir, "token"), 0o600);
      chmodSync(join(dir, "config.yaml"), 0o644);
    }
  });

  it("summarises a valid config on stdout", async () => {
    const result = await pullkey(["validate", "--config", "config.yaml"]);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(
      `config ${join(dir, "config.yaml")} is valid: 2 rules, unmatched images: error\n  hub: docker.io, registry-1.docker.io -> static token (cache 10m0s)\n  hidden: docker.io/team-a -> static token (cache 10m0s)\n`,
    );
  });

  it("fails when a file the config names cannot be read", async () => {
    const result = await pullkey(["validate", "--config", "missing-file.yaml"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      `pullkey: CONFIG_INVALID: config ${join(dir, "missing-file.yaml")}: rules[0].source.path: cannot read ${join(dir, "absent.json")}: no such file\n`,
    );
  });
});

describe("plugin mode and usage", () => {
  it("refuses to wait on a terminal and says how to use pullkey by hand", async () => {
    const result = await pullkey(["--config", join(dir, "config.yaml")], { tty: true });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("stdin is a terminal");
    expect(result.stdout).toBe("");
  });

  it("answers a request from stdin with one JSON document", async () => {
    const stdin = `{"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/v1","image":"docker.io/library/busybox"}\n`;
    const result = await pullkey(["--config", join(dir, "config.yaml")], { stdin });
    expect(result.status).toBe(0);
    expect(result.stdout.endsWith("}\n")).toBe(true);
    expect(result.stdout.trimEnd().split("\n")).toHaveLength(1);
  });

  it.each(["EPIPE", "EBADF"])(
    "fails with OUTPUT_FAILED, one line and no secret, when stdout cannot be written (%s)",
    async (code) => {
      const stdin = `{"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/v1","image":"docker.io/library/busybox"}\n`;
      const result = await pullkey(["--config", join(dir, "config.yaml")], {
        stdin,
        stdoutFails: code,
      });
      expect(result.status).toBe(1);
      expect(result.stdout).toBe("");
      expect(result.stderr).toBe(
        `pullkey: OUTPUT_FAILED: cannot write the response to stdout (${code}): nothing is reading it (the kubelet closed it or gave up on the exec)\n`,
      );
      expect(result.stderr).not.toContain(SECRET);
    },
  );

  it.each([
    { name: "an unknown command", argv: ["login"], says: 'unknown command "login"' },
    { name: "get without an image", argv: ["get"], says: "get takes exactly one IMAGE" },
    { name: "get with two images", argv: ["get", "a", "b"], says: "get takes exactly one IMAGE" },
    {
      name: "a flag that does not apply",
      argv: ["--show-secrets"],
      says: "--show-secrets does not apply to plugin mode",
    },
    { name: "an option missing its value", argv: ["--config"], says: "--config" },
    {
      name: "validate with an argument",
      argv: ["validate", "x"],
      says: "validate takes no arguments",
    },
    {
      name: "a bad --api-version",
      argv: ["get", "busybox", "--api-version", "v2"],
      says: "--api-version v2 is not one of",
    },
  ])("rejects $name with a usage error", async ({ argv, says }) => {
    const result = await pullkey(argv);
    expect(result.status).toBeGreaterThan(0);
    expect(result.stderr).toMatch(/^pullkey: USAGE: /);
    expect(result.stderr).toContain(says);
  });

  it("prints help on stdout", async () => {
    const result = await pullkey(["--help"]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("pullkey get IMAGE");
  });

  it("prints its version", async () => {
    const result = await pullkey(["version"]);
    expect(result.stdout).toMatch(/^pullkey dev \(node v\d+/);
  });
});
