import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { expectNoLeaks } from "../e2e/leaks.js";
import {
  copyRoot,
  DOCKER_SECRET,
  FAKE_EXECUTABLE,
  INSTALL,
  pullkey,
  put,
  removeRoots,
} from "./harness.js";

/** Secrets never reach a world-readable file or the terminal, and changing one restarts nothing. */

const VAULT_TOKEN = "hvs.install-inline-token-7c2e";
const outputs: { status: number | null; stdout: string; stderr: string }[] = [];
afterAll(() => {
  expectNoLeaks(outputs, [DOCKER_SECRET, VAULT_TOKEN]);
  removeRoots();
});

const INLINE_TOKEN_CONFIG = `apiVersion: pullkey/v1
kind: PullkeyConfig
rules:
  - name: internal
    match: ["registry.internal.example:5000"]
    source:
      type: vault
      address: https://vault.internal.example:8200
      auth: { method: token, token: ${VAULT_TOKEN} }
      secret: { engine: kv-v2, mount: secret, path: pull/internal }
`;

async function run(command: "install" | "uninstall", root: string, args: string[]) {
  const result = await pullkey(command, root, args);
  outputs.push(result);
  return result;
}

describe("secrets and the installer", () => {
  it("prints no inline secret of --pullkey-config in --dry-run", async () => {
    const root = copyRoot("kubeadm");
    put(root, "/input/config.yaml", INLINE_TOKEN_CONFIG);
    const args = [
      "--executable",
      FAKE_EXECUTABLE,
      "--pullkey-config",
      join(root, "/input/config.yaml"),
    ];
    const dry = await run("install", root, [...args, "--dry-run"]);
    expect(dry.status).toBe(0);
    expect(dry.stdout).toContain('+      auth: { method: token, token: "<redacted>" }');
    expect(dry.stdout).not.toContain(VAULT_TOKEN);
    // The file itself keeps the token (root-only, 0600); only the display is redacted.
    expect((await run("install", root, args)).status).toBe(0);
    expect(readFileSync(join(root, "/etc/pullkey/config.yaml"), "utf8")).toContain(VAULT_TOKEN);
  });

  it("does not ask for a kubelet restart when only pullkey's own files changed", async () => {
    const root = copyRoot("kubeadm");
    expect((await run("install", root, INSTALL)).status).toBe(0);
    put(
      root,
      "/input/docker-config.json",
      JSON.stringify({
        auths: {
          "https://index.docker.io/v1/": {
            auth: Buffer.from("u:rotated-password").toString("base64"),
          },
        },
      }),
    );
    const rotated = await run("install", root, [
      "--executable",
      FAKE_EXECUTABLE,
      "--docker-config",
      join(root, "/input/docker-config.json"),
    ]);
    expect(rotated.status).toBe(0);
    expect(rotated.stderr).toContain("updated /etc/pullkey/docker-config.json");
    expect(rotated.stderr).toContain(
      "pullkey: no kubelet restart needed: pullkey reads its config and secrets on every pull\n",
    );
    expect(rotated.stderr).not.toContain("restart kubelet");
  });

  it("deletes the secrets of a source it no longer uses, without a backup copy", async () => {
    const root = copyRoot("kubeadm");
    expect((await run("install", root, INSTALL)).status).toBe(0);
    expect(existsSync(join(root, "/etc/pullkey/docker-config.json"))).toBe(true);
    put(root, "/input/config.yaml", INLINE_TOKEN_CONFIG);
    const switched = await run("install", root, [
      "--executable",
      FAKE_EXECUTABLE,
      "--pullkey-config",
      join(root, "/input/config.yaml"),
    ]);
    expect(switched.status).toBe(0);
    expect(switched.stderr).toContain("pullkey: removed /etc/pullkey/docker-config.json\n");
    expect(existsSync(join(root, "/etc/pullkey/docker-config.json"))).toBe(false);
    const backups = readdirSync(join(root, "/var/lib/pullkey/install/backups"));
    expect(backups.filter((name) => name.includes("docker-config"))).toEqual([]);
  });
});
