import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Exec } from "../e2e/artifacts.js";
import { expectNoLeaks } from "../e2e/leaks.js";
import { buildPlugin, doctor, healthyNode, removeTemps, tempDir, writeTree } from "./harness.js";

const SECRET = "doctor-cli-secret-66d0";
let plugin: string;
let root: string;
let config: string;
const outputs: Exec[] = [];

beforeAll(async () => {
  plugin = await buildPlugin(tempDir("cli-build"));
  const nodeDir = tempDir("cli-node");
  root = writeTree(nodeDir, {
    ...healthyNode(["docker.io"], ["--config", "/etc/pullkey/config.yaml"]),
    "/etc/pullkey/token": { text: SECRET, mode: 0o600 },
    "/etc/pullkey/config.yaml": {
      text: `apiVersion: pullkey/v1\nkind: PullkeyConfig\nstateDir: ${nodeDir}/var/lib/pullkey\nrules:\n  - name: hub\n    preset: dockerhub\n    source: {type: static, username: robot, passwordFile: token}\n`,
      mode: 0o600,
    },
  });
  config = join(root, "etc/pullkey/config.yaml");
});
afterAll(() => {
  expectNoLeaks(outputs, [SECRET]);
  removeTemps();
});

function spawnDoctor(args: string[]): Exec {
  const result = spawnSync(plugin, ["doctor", ...args], { encoding: "utf8", timeout: 30_000 });
  const out = { status: result.status, stdout: result.stdout, stderr: result.stderr };
  outputs.push(out);
  return out;
}

describe("the pullkey doctor command", () => {
  it.each([
    { name: "two images", args: ["a", "b"], error: "doctor takes at most one IMAGE" },
    { name: "an unknown option", args: ["--verbose"], error: "Unknown option '--verbose'" },
    {
      name: "an invalid image",
      args: ["Not_Valid/UPPER"],
      error: 'image "Not_Valid/UPPER" is not a valid reference',
    },
    {
      name: "a --root that is not a folder",
      args: ["--root", "/nonexistent/node"],
      error: "--root /nonexistent/node is not a folder",
    },
  ])("exits 2 with a usage line for $name", async ({ args, error }) => {
    const result = await doctor(args.includes("--root") ? args : [...args, "--root", root]);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain(`pullkey: USAGE: ${error}`);
  });

  it("prints its own help", async () => {
    const result = await doctor(["--help"]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(
      /^pullkey doctor \[IMAGE\] \[--config FILE\] \[--json\] \[--root DIR\]/,
    );
  });

  it("finds pullkey's config through the kubelet's pullkey entry when --config is not given", async () => {
    const result = await doctor(["--root", root, "--json"]);
    // A node path, read under --root.
    expect(result.report?.checks.find((c) => c.id === "config")).toEqual({
      id: "config",
      status: "ok",
      summary: "/etc/pullkey/config.yaml (from the kubelet's pullkey entry) is valid: 1 rule",
    });
  });

  it("reads the secret files a node's config names from the --root tree, not this host", async () => {
    const result = await doctor(["busybox", "--root", root, "--json"], {
      http: {
        request: async () => {
          throw new Error("no network in this test");
        },
      },
    });
    // The password file is /etc/pullkey/token on the node: found under --root, so the source answers.
    expect(result.report?.checks.find((c) => c.id === "source")?.status).toBe("ok");
  });

  it("skips the kubelet checks off a node instead of failing them", async () => {
    const empty = tempDir("cli-empty");
    const result = await doctor(["--root", empty, "--json", "--config", config]);
    expect(result.report?.checks.find((c) => c.id === "kubelet-flags")?.status).toBe("skip");
  });

  it("checks the provider name the installer recorded", async () => {
    const named = writeTree(tempDir("cli-named"), {
      ...healthyNode(["docker.io"]),
      "/var/lib/pullkey/install/manifest.json": JSON.stringify({
        version: 1,
        name: "acme-pullkey",
        flavour: "kubeadm",
        files: [],
        dirs: [],
      }),
    });
    const result = await doctor(["--root", named, "--json", "--config", config]);
    expect(result.report?.checks.find((c) => c.id === "kubelet-provider")?.summary).toMatch(
      /has no provider named "acme-pullkey"/,
    );
  });

  it("fails the rule line for an image no rule serves", async () => {
    const result = await doctor(["quay.io/team/app", "--root", root, "--json"]);
    expect(result.report?.checks.find((c) => c.id === "rule")).toEqual({
      id: "rule",
      status: "fail",
      summary:
        "no rule matches quay.io/team/app (rules: hub [docker.io, registry-1.docker.io]); the plugin fails with NO_MATCHING_RULE",
    });
  });

  it("runs from the built executable: text lines, a verdict and exit 0 when nothing fails", () => {
    const result = spawnDoctor(["--root", root]);
    expect(
      result.stdout
        .split("\n")
        .slice(0, -1)
        .map((l) => l.slice(0, 22).trim()),
    ).toEqual([
      "ok    kubelet-flags",
      "ok    kubelet-config",
      "ok    kubelet-provider",
      "ok    kubelet-binary",
      "ok    config",
      "ok    cache",
      "skip  image",
      "verdict: ok: 6 checks",
    ]);
    expect(result.status).toBe(0);
  });

  it("runs from the built executable: --json and exit 1 when a check fails", () => {
    const result = spawnDoctor(["--root", root, "--json", "--config", join(root, "missing.yaml")]);
    const report = JSON.parse(result.stdout) as {
      verdict: string;
      checks: { id: string; status: string }[];
    };
    expect(report.verdict).toBe("fail");
    expect(report.checks.find((c) => c.id === "config")?.status).toBe("fail");
    expect(result.status).toBe(1);
  });

  it("fails the source line with the source's own error when its file is missing", async () => {
    const broken = join(root, "etc/pullkey/broken.yaml");
    writeTree(root, {
      "/etc/pullkey/broken.yaml": {
        text: "apiVersion: pullkey/v1\nkind: PullkeyConfig\nrules:\n  - name: hub\n    preset: dockerhub\n    source: {type: static, username: robot, passwordFile: gone}\n",
        mode: 0o600,
      },
    });
    const result = await doctor(["busybox", "--config", broken, "--root", root, "--json"]);
    expect(result.report?.checks.find((c) => c.id === "source")).toEqual({
      id: "source",
      status: "fail",
      summary: `SOURCE_UNREADABLE: image "docker.io/library/busybox", rule "hub": cannot read password file ${join(root, "etc/pullkey/gone")}: no such file`,
    });
    expect(result.report?.checks.map((c) => c.id).slice(-2)).toEqual(["rule", "source"]);
  });
});
