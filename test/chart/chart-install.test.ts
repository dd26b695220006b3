import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureHelm } from "../../scripts/peers/helm.mjs";
import { copyRoot, removeRoots, snapshot } from "../install/harness.js";
import { initContainer, type Manifest, render, secretFiles, VALUE_SETS } from "./chart.js";

/**
 * The rendered DaemonSet's init container arguments are exactly what `pullkey install` (and
 * `uninstall`) accept: run by the built executable the way the image's entry runs them, in a
 * stage folder holding `pullkey` and the rendered Secret's files under `config/`, against a
 * fixture node tree with --root (and --dry-run, or for real where a later step checks it).
 */

const EXECUTABLE = fileURLToPath(new URL("../../dist/pullkey", import.meta.url));
// Values inside the rendered Secrets: they must not reach any output.
const SECRETS = [
  "ZGVtby11c2VyOmRlbW8tdG9rZW4tbm90LWEtcmVhbC1zZWNyZXQ=",
  "role-id-1",
  "secret-id-1",
];

let binary = "";
const stages: string[] = [];

beforeAll(async () => {
  binary = await ensureHelm();
}, 1_800_000);

afterAll(() => {
  removeRoots();
  for (const dir of stages.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** The stage the image's entry makes on the host: pullkey, and the Secret's files in config/. */
function stage(manifests: readonly Manifest[]): string {
  const dir = mkdtempSync(join(tmpdir(), "pullkey-stage-"));
  stages.push(dir);
  symlinkSync(EXECUTABLE, join(dir, "pullkey"));
  mkdirSync(join(dir, "config"));
  const hasSecret = manifests.some((m) => m.kind === "Secret");
  for (const [name, bytes] of Object.entries(hasSecret ? secretFiles(manifests) : {})) {
    writeFileSync(join(dir, "config", name), bytes, { mode: 0o400 });
  }
  return dir;
}

/** Runs the init container's arguments (plus `extra`) with the built executable in `cwd`. */
function runArgs(args: readonly string[], cwd: string, extra: readonly string[]) {
  const result = spawnSync(EXECUTABLE, [...args, ...extra], {
    cwd,
    encoding: "utf8",
    timeout: 60_000,
  });
  for (const secret of SECRETS) expect(result.stdout + result.stderr).not.toContain(secret);
  return result;
}

const INSTALLS = VALUE_SETS.filter(
  (set) => set.values.mode !== "uninstall" && !set.values.config?.existingSecret,
);

describe("the chart's init container arguments, run by pullkey", () => {
  it.each(INSTALLS)(
    "are accepted by pullkey install --dry-run on a kubeadm node, with $name",
    ({ values }) => {
      const manifests = render(binary, values);
      const { args } = initContainer(manifests);
      const root = copyRoot("kubeadm");
      const before = snapshot(root);
      const result = runArgs(args, stage(manifests), ["--dry-run", "--root", root]);
      expect(result.stderr).not.toMatch(/pullkey: [A-Z_]+:/);
      expect(result.status).toBe(0);
      expect(result.stdout).toContain("/etc/pullkey/");
      expect(result.stdout).toContain("/usr/local/lib/kubelet/credential-providers/pullkey");
      expect(snapshot(root)).toEqual(before);
    },
  );

  it("install then uninstall, both from the chart, leave a k3s node as it was", () => {
    const root = copyRoot("k3s");
    const before = snapshot(root);
    const installValues = VALUE_SETS[0]?.values ?? {};
    const installed = render(binary, installValues);
    const install = runArgs(initContainer(installed).args, stage(installed), ["--root", root]);
    expect(install.stderr).not.toMatch(/pullkey: [A-Z_]+:/);
    expect(install.status).toBe(0);
    expect(snapshot(root)).not.toEqual(before);

    const uninstalling = render(binary, { ...installValues, mode: "uninstall" });
    const { args } = initContainer(uninstalling);
    const dryRun = runArgs(args, stage(uninstalling), ["--dry-run", "--root", root]);
    expect(dryRun.status).toBe(0);
    expect(dryRun.stdout).toContain("/var/lib/rancher/credentialprovider/config.yaml");
    const uninstall = runArgs(args, stage(uninstalling), ["--root", root]);
    expect(uninstall.stderr).not.toMatch(/pullkey: [A-Z_]+:/);
    expect(uninstall.status).toBe(0);
    expect(snapshot(root)).toEqual(before);
  });
});
