import { spawnSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { ARTIFACTS, exec } from "../e2e/artifacts.js";
import { copyRoot, DOCKER_CONFIG, DOCKER_SECRET, removeRoots, snapshot } from "./harness.js";

/** scripts/install.sh run end to end, as an operator runs it, with each built artifact. */

const SCRIPT = fileURLToPath(new URL("../../scripts/install.sh", import.meta.url));
const BIN = "/var/lib/rancher/credentialprovider/bin/pullkey";
const REQUEST = `{"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/v1","image":"docker.io/library/busybox"}\n`;

afterAll(removeRoots);

function sh(args: readonly string[]) {
  const result = spawnSync("sh", [SCRIPT, ...args], { encoding: "utf8", timeout: 60_000 });
  expect(result.stdout + result.stderr).not.toContain(DOCKER_SECRET);
  return result;
}

describe.each(ARTIFACTS)("sh scripts/install.sh with the $name", (artifact) => {
  it("installs on a k3s tree with --executable, and the installed plugin answers the kubelet with the entry's args", () => {
    const root = copyRoot("k3s");
    const result = sh([
      "--executable",
      artifact.path,
      "--root",
      root,
      "--docker-config",
      DOCKER_CONFIG,
    ]);
    expect(result.stderr).not.toMatch(/pullkey: [A-Z_]+:/);
    expect(result.status).toBe(0);
    const installed = join(root, BIN);
    expect(statSync(installed).mode & 0o777).toBe(0o755);
    expect(readFileSync(installed).equals(readFileSync(artifact.path))).toBe(true);
    expect(statSync(join(root, "etc/pullkey/docker-config.json")).mode & 0o777).toBe(0o600);

    // What the kubelet will run: <bin-dir>/pullkey --config /etc/pullkey/config.yaml (under root).
    const answer = exec(installed, ["--config", join(root, "etc/pullkey/config.yaml")], REQUEST);
    expect(answer.stderr).toBe("");
    expect(answer.status).toBe(0);
    expect(JSON.parse(answer.stdout).auth["docker.io"].username).toBe("install-test-user");
  });

  it("shows the diff with --dry-run and uninstalls back to the original tree (--binary still works)", () => {
    const root = copyRoot("kubeadm");
    const before = snapshot(root);
    const dry = sh([
      "--binary",
      artifact.path,
      "--root",
      root,
      "--docker-config",
      DOCKER_CONFIG,
      "--dry-run",
    ]);
    expect(dry.status).toBe(0);
    expect(dry.stdout).toContain("+++ b/etc/default/kubelet");
    expect(snapshot(root)).toEqual(before);
    expect(
      sh(["--binary", artifact.path, "--root", root, "--docker-config", DOCKER_CONFIG]).status,
    ).toBe(0);
    const removed = sh(["--binary", artifact.path, "--uninstall", "--root", root]);
    expect(removed.stderr).not.toMatch(/pullkey: [A-Z_]+:/);
    expect(removed.status).toBe(0);
    expect(snapshot(root)).toEqual(before);
    // Again: nothing to do is not an error (a DaemonSet rollback re-runs it).
    const again = sh(["--executable", artifact.path, "--uninstall", "--root", root]);
    expect(again.status).toBe(0);
    expect(again.stderr).toBe(
      "pullkey: uninstall: no install recorded in /var/lib/pullkey/install/manifest.json: nothing to uninstall\n",
    );
  });
});

describe("install.sh itself", () => {
  it("refuses a missing executable before anything is written", () => {
    const root = copyRoot("kubeadm");
    const before = snapshot(root);
    const result = sh([
      "--executable",
      "/nonexistent/pullkey",
      "--root",
      root,
      "--docker-config",
      DOCKER_CONFIG,
    ]);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe("install.sh: --executable /nonexistent/pullkey: no such file\n");
    expect(snapshot(root)).toEqual(before);
  });

  it("refuses an unknown flavour with the list of known ones", () => {
    const root = copyRoot("kubeadm");
    const result = sh([
      "--binary",
      ARTIFACTS[0].path,
      "--root",
      root,
      "--flavour",
      "openshift",
      "--docker-config",
      DOCKER_CONFIG,
    ]);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      "pullkey: USAGE: --flavour openshift is not one of kubeadm, k3s, rke2, eks, systemd\n",
    );
  });
});
