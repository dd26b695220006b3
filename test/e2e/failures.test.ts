import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AS_ROOT, NEEDS_ROOT } from "../root.js";
import { ARTIFACTS, capturedOutputs, type Exec, exec, recordOutput } from "./artifacts.js";
import { expectNoLeaks } from "./leaks.js";

const SECRET = "failure-suite-secret-7f3a";
const REQUEST = `{"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/v1","image":"docker.io/library/busybox"}\n`;
let dir: string;

const config = (rule: string, cacheDuration = "10m") => `apiVersion: pullkey/v1
kind: PullkeyConfig
stateDir: ${dir}/state
defaultCacheDuration: ${cacheDuration}
rules:
  - name: dockerhub
    preset: dockerhub
    source:
${rule}
`;

function write(name: string, text: string, mode = 0o644): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  chmodSync(file, mode);
  return file;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "pullkey-failures-"));
  // World-readable folder so the unprivileged-user case can reach the config but not the secret.
  chmodSync(dir, 0o755);
  write("locked.token", `${SECRET}\n`, 0o600);
  write(
    "locked.yaml",
    config("      type: static\n      username: u\n      passwordFile: locked.token"),
  );
  write(
    "missing-password.yaml",
    config("      type: static\n      username: u\n      passwordFile: nope.token"),
  );
  write("broken-docker.json", `{"auths": {"https://index.docker.io/v1/": {"auth": "${SECRET}"`);
  write("broken-docker.yaml", config("      type: dockerConfig\n      path: broken-docker.json"));
  write("helper-docker.json", JSON.stringify({ auths: {}, credsStore: "desktop" }));
  write("helper-docker.yaml", config("      type: dockerConfig\n      path: helper-docker.json"));
  write(
    "wrong-registry.json",
    JSON.stringify({
      auths: { "ghcr.io": { auth: Buffer.from(`u:${SECRET}`).toString("base64") } },
    }),
  );
  write("wrong-registry.yaml", config("      type: dockerConfig\n      path: wrong-registry.json"));
  write(
    "invalid.yaml",
    'apiVersion: pullkey/v1\nkind: PullkeyConfig\nrules:\n  - name: x\n    match: ["harbor.example.com/*"]\n    cacheDuration: 1d\n    source: {type: static, username: u}\n',
  );
  write("not-yaml.yaml", "apiVersion: pullkey/v1\nrules: [\n  - name: x\n");
  write(
    "good.json",
    JSON.stringify({
      apiVersion: "pullkey/v1",
      kind: "PullkeyConfig",
      stateDir: join(dir, "state"),
      rules: [
        {
          name: "hub",
          preset: "dockerhub",
          source: { type: "static", username: "env", passwordFile: "locked.token" },
        },
      ],
    }),
  );
  mkdirSync(join(dir, "dir.yaml"));
});
afterAll(() => {
  expectNoLeaks(capturedOutputs(), [SECRET, Buffer.from(`u:${SECRET}`).toString("base64")]);
  rmSync(dir, { recursive: true, force: true });
});

interface FailureCase {
  name: string;
  args: () => string[];
  stdin?: string;
  env?: () => Record<string, string>;
  uid?: number;
  code: string;
  says: () => string;
}

const failures: FailureCase[] = [
  {
    name: "a missing config file",
    args: () => ["--config", join(dir, "absent.yaml")],
    code: "CONFIG_NOT_FOUND",
    says: () => `cannot read config ${join(dir, "absent.yaml")}: no such file`,
  },
  {
    name: "a missing config named by PULLKEY_CONFIG",
    args: () => [],
    env: () => ({ PULLKEY_CONFIG: join(dir, "absent.yaml") }),
    code: "CONFIG_NOT_FOUND",
    says: () => `${join(dir, "absent.yaml")} (from PULLKEY_CONFIG): no such file`,
  },
  {
    name: "a config path that is a directory",
    args: () => ["--config", join(dir, "dir.yaml")],
    code: "CONFIG_UNREADABLE",
    says: () => "is a directory, not a file",
  },
  {
    name: "a relative config path",
    args: () => ["--config", "config.yaml"],
    code: "USAGE",
    says: () =>
      "config path config.yaml (from --config) is relative; the kubelet's working directory is not defined, so give an absolute path",
  },
  {
    name: "an invalid config, with every problem as path: message",
    args: () => ["--config", join(dir, "invalid.yaml")],
    code: "CONFIG_INVALID",
    says: () =>
      `config ${join(dir, "invalid.yaml")} is invalid: rules[0].cacheDuration: must be a duration such as 30s, 10m or 12h; rules[0].source.passwordFile: required`,
  },
  {
    name: "a config that is not YAML",
    args: () => ["--config", join(dir, "not-yaml.yaml")],
    code: "CONFIG_INVALID",
    says: () => `config ${join(dir, "not-yaml.yaml")} is not valid YAML at line`,
  },
  {
    name: "a missing password file",
    args: () => ["--config", join(dir, "missing-password.yaml")],
    code: "SOURCE_UNREADABLE",
    says: () =>
      `image "docker.io/library/busybox", rule "dockerhub": cannot read password file ${join(dir, "nope.token")}: no such file`,
  },
  {
    name: "a password file the kubelet's user cannot read",
    args: () => ["--config", join(dir, "locked.yaml")],
    uid: 65534,
    code: "SOURCE_UNREADABLE",
    says: () => `cannot read password file ${join(dir, "locked.token")}: permission denied`,
  },
  {
    name: "a malformed docker config",
    args: () => ["--config", join(dir, "broken-docker.yaml")],
    code: "SOURCE_FORMAT",
    says: () =>
      `rule "dockerhub": docker config ${join(dir, "broken-docker.json")} is not valid JSON`,
  },
  {
    name: "a docker config whose credential helper is not on the node",
    args: () => ["--config", join(dir, "helper-docker.yaml")],
    code: "SOURCE_UNREADABLE",
    says: () =>
      `docker config ${join(dir, "helper-docker.json")}: credsStore "desktop" needs docker-credential-desktop, which is not in /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
  },
  {
    name: "a docker config without the image's registry",
    args: () => ["--config", join(dir, "wrong-registry.yaml")],
    code: "SOURCE_NO_ENTRY",
    says: () => 'has no auths entry for registry "docker.io" (it has "ghcr.io")',
  },
  {
    name: "a request larger than any kubelet sends",
    args: () => ["--config", join(dir, "good.json")],
    stdin: " ".repeat(2 * 1024 * 1024),
    code: "REQUEST_INVALID",
    says: () => "request on stdin is larger than 1048576 bytes",
  },
  {
    // Refused before matching runs, and quickly (no per-character parsing); exec() would time out.
    name: "a megabyte-long image name",
    args: () => ["--config", join(dir, "good.json")],
    stdin: `{"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/v1","image":"docker.io/${"a".repeat(1024 * 1024 - 200)}"}`,
    code: "REQUEST_INVALID",
    says: () => "characters long; the kubelet sends repository names of at most 255 characters",
  },
  {
    name: "an unknown command",
    args: () => ["fetch", "busybox"],
    code: "USAGE",
    says: () => 'unknown command "fetch" (see pullkey --help)',
  },
  {
    name: "an unknown flag",
    args: () => ["--frobnicate"],
    code: "USAGE",
    says: () => "Unknown option '--frobnicate'",
  },
];

/** Runs an exec whose reader is gone: the read end of its stdout is closed before it answers. */
function execReaderGone(path: string, args: readonly string[]): Promise<Exec> {
  return new Promise((resolve, reject) => {
    const child = spawn(path, args, { env: process.env });
    child.stdout.destroy();
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (status) => {
      const captured = { status, stdout: "", stderr };
      recordOutput(captured);
      resolve(captured);
    });
    child.stdin.end(REQUEST);
  });
}

describe.each(ARTIFACTS)("the $name failing", ({ path }) => {
  it.for(failures)("reports $name in one stderr line, with nothing on stdout", (c, { skip }) => {
    if (c.uid !== undefined && !AS_ROOT) skip(NEEDS_ROOT);
    const result = exec(path, c.args(), c.stdin ?? REQUEST, {
      ...(c.env ? { env: c.env() } : {}),
      ...(c.uid === undefined ? {} : { uid: c.uid }),
    });
    expect(result.stdout).toBe("");
    expect(result.status).toBe(c.code === "USAGE" ? 2 : 1);
    expect(result.stderr.endsWith("\n")).toBe(true);
    expect(result.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(result.stderr).toContain(`pullkey: ${c.code}: `);
    expect(result.stderr).toContain(c.says());
  });

  it("names the default config path when nothing else is given", () => {
    if (existsSync("/etc/pullkey/config.yaml")) return;
    const env = { ...process.env };
    delete env["PULLKEY_CONFIG"];
    const result = exec(path, [], REQUEST, { env: { PULLKEY_CONFIG: "" } });
    expect(result.stderr).toBe(
      "pullkey: CONFIG_NOT_FOUND: cannot read config /etc/pullkey/config.yaml (the default; pass --config FILE or set PULLKEY_CONFIG): no such file\n",
    );
  });

  it("fails with OUTPUT_FAILED in one stderr line when the kubelet has closed its stdout", async () => {
    const result = await execReaderGone(path, ["--config", join(dir, "good.json")]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /^pullkey: OUTPUT_FAILED: cannot write the response to stdout \(EPIPE\): [^\n]+\n$/,
    );
  });
});

describe.each(ARTIFACTS)("the $name answering", ({ path }) => {
  it.each([
    {
      kind: "password file",
      rule: (file: string) => `      type: static\n      username: u\n      passwordFile: ${file}`,
      content: (password: string) => password,
    },
    {
      kind: "docker config",
      rule: (file: string) => `      type: dockerConfig\n      path: ${file}`,
      content: (password: string) =>
        JSON.stringify({ auths: { "docker.io": { username: "u", password } } }),
    },
  ])(
    "sees an edited $kind on the very next exec and in pullkey get: local files are not cached",
    ({ kind, rule, content }) => {
      const name = `edited-${kind.replace(" ", "-")}-${path.endsWith(".cjs") ? "bundle" : "sea"}`;
      const source = write(`${name}.secret`, content("before-rotation"));
      const file = write(`${name}.yaml`, config(rule(source), "1h"));
      const first = exec(path, ["--config", file], REQUEST);
      write(`${name}.secret`, content("after-rotation"));
      const next = exec(path, ["--config", file], REQUEST);
      const human = exec(path, ["get", "busybox", "--show-secrets", "--config", file], "");
      expect(JSON.parse(first.stdout).auth["docker.io"].password).toBe("before-rotation");
      expect(JSON.parse(next.stdout).auth["docker.io"].password).toBe("after-rotation");
      expect(human.stdout).toContain("after-rotation");
      expect(human.stderr).toContain("answered from the source");
      // A malformed edit is reported at once, never masked by an earlier answer.
      write(`${name}.secret`, kind === "docker config" ? "{not json" : "a\nb\nc");
      expect(exec(path, ["--config", file], REQUEST).stderr).toMatch(/^pullkey: SOURCE_FORMAT: /);
    },
  );

  it("reads PULLKEY_CONFIG when --config is absent, and --config wins over it", () => {
    const fromEnv = exec(path, [], REQUEST, { env: { PULLKEY_CONFIG: join(dir, "good.json") } });
    expect(fromEnv.status).toBe(0);
    expect(JSON.parse(fromEnv.stdout).auth["docker.io"].username).toBe("env");
    const flagWins = exec(path, ["--config", join(dir, "missing-password.yaml")], REQUEST, {
      env: { PULLKEY_CONFIG: join(dir, "good.json") },
    });
    expect(flagWins.stderr).toContain("nope.token");
  });
});
