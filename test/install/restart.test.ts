import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  copyRoot,
  DOCKER_CONFIG,
  FAKE_EXECUTABLE,
  INSTALL,
  pullkey,
  put,
  removeRoots,
  snapshot,
} from "./harness.js";

afterAll(removeRoots);

describe("restarting", () => {
  it("runs the restart in the host's namespaces from a DaemonSet pod (--restart-via nsenter)", async () => {
    const root = copyRoot("k3s");
    const result = await pullkey("install", root, [
      ...INSTALL,
      "--restart",
      "--restart-via",
      "nsenter",
    ]);
    expect(result.status).toBe(0);
    const nsenter = [
      "nsenter",
      "--target",
      "1",
      "--mount",
      "--uts",
      "--ipc",
      "--net",
      "--pid",
      "--",
    ];
    expect(result.commands).toEqual([
      [...nsenter, "kubelet", "--version"],
      [...nsenter, "/var/lib/rancher/credentialprovider/bin/pullkey", "version"],
      [...nsenter, "systemctl", "restart", "k3s"],
    ]);
  });

  it("runs the copied executable from the bin dir before pointing the kubelet at it", async () => {
    const root = copyRoot("k3s");
    const before = snapshot(root);
    const noexec = (argv: readonly string[]) => (argv.at(-1) === "version" ? 126 : 0);
    const args = [...INSTALL, "--restart", "--restart-via", "nsenter"];
    const result = await pullkey("install", root, args, undefined, noexec);
    expect(result.stderr).toContain(
      "pullkey: INTERNAL: /var/lib/rancher/credentialprovider/bin/pullkey does not run on this node (is its folder mounted noexec?); the kubelet's config was left unchanged, and pullkey uninstall takes out what was written\n",
    );
    expect(existsSync(join(root, "/var/lib/rancher/credentialprovider/config.yaml"))).toBe(false);
    expect((await pullkey("uninstall", root, [])).status).toBe(0);
    expect(snapshot(root)).toEqual(before);
  });

  it("restarts the same service after an uninstall", async () => {
    const root = copyRoot("rke2");
    await pullkey("install", root, INSTALL);
    const result = await pullkey("uninstall", root, ["--restart", "--restart-via", "nsenter"]);
    expect(result.status).toBe(0);
    expect(result.commands.map((c) => c.slice(-3))).toEqual([
      ["systemctl", "restart", "rke2-agent"],
    ]);
  });

  it("refuses an unknown --restart-via before writing", async () => {
    const root = copyRoot("k3s");
    const before = snapshot(root);
    const result = await pullkey("install", root, [
      ...INSTALL,
      "--restart",
      "--restart-via",
      "ssh",
    ]);
    expect(result.stderr).toBe(
      "pullkey: USAGE: --restart-via ssh: the one way supported is nsenter\n",
    );
    expect(snapshot(root)).toEqual(before);
  });
});

describe("configs that read files of their own (Vault, AWS)", () => {
  const VAULT_EXAMPLE = fileURLToPath(
    new URL("../../config/examples/vault-approle.yaml", import.meta.url),
  );

  it("copies each --secret-file into /etc/pullkey, root-only, and never prints it", async () => {
    const root = copyRoot("k3s");
    put(root, "/input/vault-role-id", "role-id-4f2a\n");
    put(root, "/input/vault-secret-id", "secret-id-91bc\n");
    put(root, "/input/vault-ca.pem", "-----BEGIN CERTIFICATE-----\n");
    const args = [
      ...["--executable", FAKE_EXECUTABLE, "--pullkey-config", VAULT_EXAMPLE],
      ...["--secret-file", "input/vault-role-id", "--secret-file", "input/vault-secret-id"],
      ...["--secret-file", "input/vault-ca.pem"],
    ];
    const dry = await pullkey("install", root, [...args, "--dry-run"]);
    const result = await pullkey("install", root, args);
    expect(result.status).toBe(0);
    for (const name of ["vault-role-id", "vault-secret-id", "vault-ca.pem"]) {
      expect(statSync(join(root, "/etc/pullkey", name)).mode & 0o777).toBe(0o600);
    }
    expect(readFileSync(join(root, "/etc/pullkey/vault-secret-id"), "utf8")).toBe(
      "secret-id-91bc\n",
    );
    for (const output of [dry.stdout, dry.stderr, result.stdout, result.stderr]) {
      expect(output).not.toContain("secret-id-91bc");
      expect(output).not.toContain("role-id-4f2a");
    }
  });

  it("refuses a config whose files are neither on the node nor given", async () => {
    const root = copyRoot("k3s");
    const result = await pullkey("install", root, [
      "--executable",
      FAKE_EXECUTABLE,
      "--pullkey-config",
      VAULT_EXAMPLE,
    ]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /^pullkey: CONFIG_INVALID: pullkey's config \/etc\/pullkey\/config.yaml reads \/etc\/pullkey\/vault-/,
    );
  });
});

describe("operator notes", () => {
  it("says on EKS that nodeadm rewrites the config at boot", async () => {
    const root = copyRoot("eks");
    const result = await pullkey("install", root, INSTALL);
    expect(result.stderr).toContain(
      "pullkey: note: nodeadm rewrites /etc/eks/image-credential-provider/config.json at every boot",
    );
  });

  it("copies a JSON pullkey config to /etc/pullkey/config.json and points the entry at it", async () => {
    const root = copyRoot("k3s");
    put(root, "/input/docker.json", readFileSync(DOCKER_CONFIG, "utf8"));
    put(
      root,
      "/input/config.json",
      JSON.stringify({
        apiVersion: "pullkey/v1",
        kind: "PullkeyConfig",
        rules: [
          {
            name: "ghcr",
            match: ["ghcr.io"],
            source: { type: "dockerConfig", path: "/input/docker.json" },
          },
        ],
      }),
    );
    const result = await pullkey("install", root, [
      "--executable",
      FAKE_EXECUTABLE,
      "--pullkey-config",
      "input/config.json",
    ]);
    expect(result.status).toBe(0);
    const config = parse(
      readFileSync(join(root, "/var/lib/rancher/credentialprovider/config.yaml"), "utf8"),
    );
    expect(config.providers[0].matchImages).toEqual(["ghcr.io"]);
    expect(config.providers[0].args).toEqual(["--config", "/etc/pullkey/config.json"]);
  });
});
