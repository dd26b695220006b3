import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPassStore, type PassStore } from "../sources/docker-config/pass-store.js";
import { ARTIFACTS, capturedOutputs, exec, recordOutput } from "./artifacts.js";
import { expectNoLeaks } from "./leaks.js";

// The seed workflow: `docker login` with a credential store, config.json copied to the node.
// Here the store is Debian's real docker-credential-pass over a throwaway GPG key and pass store.
const HUB = "https://index.docker.io/v1/";
const HUB_SECRET = "hub-helper-SECRET-e2e-1";
const TEAM_SECRET = "team-helper-SECRET-e2e-2";
const STDERR_SECRET = "stderr-helper-SECRET-e2e-3";
const request = (image: string) =>
  `{"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/v1","image":"${image}"}\n`;
let pass: PassStore;
let dir: string;

function write(name: string, text: string, mode = 0o600): string {
  const file = join(dir, name);
  writeFileSync(file, text, { mode });
  return file;
}

/** A config with a Docker Hub rule and a private-registry rule, both on one docker config. */
function config(name: string, dockerConfig: unknown, extra = ""): string {
  write(`${name}.json`, JSON.stringify(dockerConfig));
  const source = `{type: dockerConfig, path: ${name}.json${extra}}`;
  return write(
    `${name}.yaml`,
    `apiVersion: pullkey/v1
kind: PullkeyConfig
stateDir: ${dir}/state-${name}
rules:
  - {name: hub, preset: dockerhub, source: ${source}}
  - {name: team, match: ["registry.test:5000"], source: ${source}}
`,
  );
}

let store: string;
let desktop: string;
let noisy: string;
let bare: string;

beforeAll(() => {
  pass = createPassStore();
  pass.store(HUB, "hub-user", HUB_SECRET);
  pass.store("registry.test:5000", "team-robot", TEAM_SECRET);
  dir = mkdtempSync(join(tmpdir(), "pullkey-e2e-helpers-"));
  store = config("pass", { auths: { [HUB]: {}, "registry.test:5000": {} }, credsStore: "pass" });
  desktop = config("desktop", { auths: { [HUB]: {} }, credsStore: "desktop" });
  const fakes = mkdtempSync(join(dir, "helpers-"));
  writeFileSync(
    join(fakes, "docker-credential-noisy"),
    `#!/bin/sh\necho "${STDERR_SECRET}" >&2\necho "${STDERR_SECRET}"\nexit 3\n`,
    { mode: 0o755 },
  );
  noisy = config("noisy", { credsStore: "noisy" }, `, credentialHelperDir: ${fakes}`);
  const env = Object.entries(pass.env).map(([k, v]) => `${k}: ${v}`);
  bare = config("bare", { credsStore: "pass" }, `, credentialHelperEnv: {${env.join(", ")}}`);
}, 60_000);

afterAll(() => {
  expectNoLeaks(capturedOutputs(), [HUB_SECRET, TEAM_SECRET, STDERR_SECRET, "-rotated-"]);
  pass?.close();
  rmSync(dir, { recursive: true, force: true });
});

const run = (path: string, args: string[], stdin = "") =>
  exec(path, args, stdin, { env: pass.env });

describe.each(ARTIFACTS)(
  "the $name with a docker config whose credentials are in pass",
  ({ path }) => {
    it("answers a Docker Hub image with what docker login stored for the index URL", () => {
      const result = run(path, ["--config", store], request("docker.io/library/busybox"));
      expect(result.stderr).toBe("");
      expect(JSON.parse(result.stdout).auth).toEqual({
        "docker.io": { username: "hub-user", password: HUB_SECRET },
      });
    });

    it("works in the kubelet's bare environment (systemd's PATH, no HOME) with credentialHelperEnv", () => {
      const result = spawnSync(path, ["--config", bare], {
        input: request("docker.io/library/busybox"),
        env: { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin" },
        cwd: "/",
        timeout: 20_000,
      });
      const captured = {
        status: result.status,
        stdout: result.stdout.toString(),
        stderr: result.stderr.toString(),
      };
      recordOutput(captured);
      expect(captured.stderr).toBe("");
      expect(JSON.parse(captured.stdout).auth["docker.io"].password).toBe(HUB_SECRET);
    });

    it("answers a private registry's image with its own credentials", () => {
      const result = run(path, ["--config", store], request("registry.test:5000/team/app"));
      expect(JSON.parse(result.stdout).auth).toEqual({
        "registry.test:5000": { username: "team-robot", password: TEAM_SECRET },
      });
    });

    it("asks the helper on every exec: a credential stored again is served by the next pull", () => {
      const rotated = `${TEAM_SECRET}-rotated-${path.endsWith(".cjs") ? "bundle" : "sea"}`;
      const image = request("registry.test:5000/team/app");
      const before = run(path, ["--config", store], image);
      pass.store("registry.test:5000", "team-robot", rotated);
      const after = run(path, ["--config", store], image);
      pass.store("registry.test:5000", "team-robot", TEAM_SECRET);
      expect(JSON.parse(before.stdout).auth["registry.test:5000"].password).toBe(TEAM_SECRET);
      expect(JSON.parse(after.stdout).auth["registry.test:5000"].password).toBe(rotated);
    });

    it("validates the config and says which helper serves it", () => {
      const result = run(path, ["validate", "--config", store]);
      expect(result.status).toBe(0);
      expect(result.stdout).toContain(
        `docker config ${join(dir, "pass.json")}: credsStore "pass" runs /usr/bin/docker-credential-pass`,
      );
    });

    it("fails the exec with one line saying what to do when the helper is Docker Desktop's", () => {
      const result = run(path, ["--config", desktop], request("docker.io/library/busybox"));
      expect(result.status).toBe(1);
      expect(result.stdout).toBe("");
      expect(result.stderr.trimEnd().split("\n")).toHaveLength(1);
      expect(result.stderr).toContain(
        `pullkey: SOURCE_UNREADABLE: image "docker.io/library/busybox", rule "hub": docker config ${join(dir, "desktop.json")}: credsStore "desktop" needs docker-credential-desktop, which is not in /usr/local/sbin:`,
      );
      expect(result.stderr).toContain('add an auths entry with "auth"');
    });

    it("refuses to validate a config whose helper is missing, instead of saying it is valid", () => {
      const result = run(path, ["validate", "--config", desktop]);
      expect(result.status).toBe(1);
      expect(result.stdout).toBe("");
      expect(result.stderr).toContain(
        `pullkey: CONFIG_INVALID: config ${join(dir, "desktop.yaml")}: rules[0].source: docker config ${join(dir, "desktop.json")}: credsStore "desktop" needs docker-credential-desktop`,
      );
    });

    it("never passes on what a failing helper printed, on stdout or stderr", () => {
      const plugin = run(path, ["--config", noisy], request("docker.io/library/busybox"));
      const get = run(path, ["get", "busybox", "--config", noisy, "--verbose"]);
      for (const result of [plugin, get]) {
        expect(result.status).toBe(1);
        expect(result.stderr).toContain("docker-credential-noisy");
        expect(result.stderr).toContain("failed with exit status 3");
      }
    });

    it("shows pullkey get which helper answered, with the password redacted", () => {
      const result = run(path, ["get", "busybox", "--config", store, "--verbose"]);
      expect(result.status).toBe(0);
      expect(result.stderr).toContain('credsStore "pass" runs /usr/bin/docker-credential-pass');
      expect(JSON.parse(result.stdout).auth["docker.io"]).toEqual({
        username: "hub-user",
        password: "<redacted: use --show-secrets>",
      });
    });
  },
);
