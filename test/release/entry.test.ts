import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureHelm } from "../../scripts/peers/helm.mjs";
import { ensureBusybox } from "../../scripts/release/busybox.mjs";
import { ENTRY_SCRIPT, imageLayers } from "../../scripts/release/image.mjs";
import { tarArchive } from "../../scripts/release/tar.mjs";
import { HOST_ARCH } from "../../scripts/sea/arch.mjs";
import { initContainer, render, secretFiles, VALUE_SETS } from "../chart/chart.js";
import { copyRoot, removeRoots, snapshot } from "../install/harness.js";
import { AS_ROOT } from "../root.js";
import { releasedImage } from "./layout.js";

/**
 * The image's entry script, run the way the kubelet runs the init container: the image's
 * files as the root (chroot), in a mount namespace of its own, with the stage folder and the
 * Secret's files bind-mounted at /stage and /config. The host is this test's process: PID 1 of
 * a real node cannot be entered here, so PULLKEY_HOST_PID points nsenter at this process's
 * mount namespace instead; the rest (busybox, the copies, nsenter, pullkey on the host's libc,
 * the clean-up) is what runs on a node. pullkey acts on a fixture tree (--root).
 */

// The release's executable for this machine, as the image for this machine holds it.
const unsupported = !AS_ROOT
  ? "needs root: it chroots and bind-mounts, as the container runtime does"
  : spawnSync("unshare", ["--mount", "true"]).status !== 0
    ? "needs a private mount namespace (unshare --mount)"
    : undefined;

const temps: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "pullkey-entry-"));
  temps.push(dir);
  return dir;
}

let rootfs = "";
let helm = "";
let EXECUTABLE = "";

beforeAll(async () => {
  if (unsupported) return;
  helm = await ensureHelm();
  EXECUTABLE = releasedImage().executables[HOST_ARCH === "arm64" ? "arm64" : "amd64"];
  rootfs = tempDir();
  const layers = imageLayers({
    executable: readFileSync(EXECUTABLE),
    busybox: readFileSync(await ensureBusybox(HOST_ARCH === "arm64" ? "arm64" : "amd64")),
    entry: readFileSync(ENTRY_SCRIPT),
  });
  for (const layer of layers) {
    const tar = join(tempDir(), "layer.tar");
    writeFileSync(tar, tarArchive(layer, 0));
    expect(spawnSync("tar", ["-xpf", tar, "-C", rootfs]).status).toBe(0);
  }
  for (const mountPoint of ["proc", "dev", "stage", "config"]) mkdirSync(join(rootfs, mountPoint));
}, 600_000);

afterAll(() => {
  removeRoots();
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Starts the image's entry with `args`, `stage` at /stage and `config` (if any) at /config. */
function startEntry(args: readonly string[], stage: string, config?: string) {
  const script = [
    "rootfs=$1 stage=$2 config=$3; shift 3",
    // What the container runtime gives every container: /proc (the host's PIDs, as with
    // hostPID) and /dev.
    'mount -t proc proc "$rootfs/proc"',
    'mount --rbind /dev "$rootfs/dev"',
    'mount --bind "$stage" "$rootfs/stage"',
    '[ -z "$config" ] || mount --bind "$config" "$rootfs/config"',
    'exec chroot "$rootfs" /bin/busybox sh /opt/pullkey/entry.sh "$@"',
  ].join("\n");
  return spawn(
    "unshare",
    [
      "--mount",
      "--propagation",
      "private",
      "sh",
      "-c",
      script,
      "sh",
      rootfs,
      stage,
      config ?? "",
      ...args,
    ],
    { env: { ...process.env, PULLKEY_STAGE: stage, PULLKEY_HOST_PID: String(process.pid) } },
  );
}

function runEntry(
  args: readonly string[],
  stage: string,
  config?: string,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = startEntry(args, stage, config);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", reject);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** The rendered Secret's files in a folder, as the kubelet mounts them (read-only, 0400). */
function mountedSecret(values: object): { config: string; args: string[] } {
  const manifests = render(helm, values);
  const config = tempDir();
  for (const [name, bytes] of Object.entries(secretFiles(manifests))) {
    writeFileSync(join(config, name), bytes, { mode: 0o400 });
  }
  return { config, args: initContainer(manifests).args };
}

describe.skipIf(unsupported !== undefined)(
  "the installer image's entry, run as the init container",
  () => {
    it("runs the chart's install arguments with pullkey on the host, and leaves nothing in the stage", async () => {
      const { config, args } = mountedSecret(VALUE_SETS[0]?.values ?? {});
      const root = copyRoot("kubeadm");
      const stage = tempDir();
      const result = await runEntry([...args, "--root", root], stage, config);
      expect(result.stderr).not.toMatch(/pullkey: [A-Z_]+:/);
      expect(result.status).toBe(0);
      expect(readFileSync(join(root, "etc/pullkey/docker-config.json"))).toEqual(
        readFileSync(join(config, "docker-config.json")),
      );
      // Buffer.equals: a deep equality walks 105 MiB byte by byte.
      const installed = readFileSync(
        join(root, "usr/local/lib/kubelet/credential-providers/pullkey"),
      );
      expect(installed.equals(readFileSync(EXECUTABLE))).toBe(true);
      expect(existsSync(join(stage, "run"))).toBe(false);
    });

    it("runs the uninstall arguments, which take the install out again", async () => {
      const root = copyRoot("k3s");
      const before = snapshot(root);
      const { config, args } = mountedSecret(VALUE_SETS[1]?.values ?? {});
      expect((await runEntry([...args, "--root", root], tempDir(), config)).status).toBe(0);
      const uninstall = initContainer(render(helm, { mode: "uninstall" })).args;
      const result = await runEntry([...uninstall, "--root", root], tempDir());
      expect(result.stderr).not.toMatch(/pullkey: [A-Z_]+:/);
      expect(result.status).toBe(0);
      expect(snapshot(root)).toEqual(before);
    });

    it("passes pullkey's refusal and exit status through, and still cleans the stage", async () => {
      const stage = tempDir();
      const result = await runEntry(
        ["install", "--executable=pullkey", "--root", copyRoot()],
        stage,
      );
      expect(result.stderr).toMatch(/pullkey: USAGE:/);
      expect(result.status).toBe(2);
      expect(existsSync(join(stage, "run"))).toBe(false);
    });

    it.each([
      { args: ["reinstall"], error: "the first argument is install, uninstall or pause" },
      { args: [], error: "the first argument is install, uninstall or pause" },
    ])("refuses $args with one line and status 2", async ({ args, error }) => {
      const result = await runEntry(args, tempDir());
      expect(result.stderr).toContain(error);
      expect(result.status).toBe(2);
    });

    it("pauses until the pod is stopped, then exits 0 at once, taking its sleep with it", async () => {
      const child = startEntry(["pause"], tempDir());
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(child.exitCode).toBe(null);
      // unshare and chroot exec, so the child is the entry's shell, which the runtime signals.
      const sleeper = spawnSync("pgrep", ["-P", String(child.pid)], {
        encoding: "utf8",
      }).stdout.trim();
      expect(sleeper).toMatch(/^\d+$/);
      const started = Date.now();
      const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      expect(Date.now() - started).toBeLessThan(5_000);
      await new Promise((resolve) => setTimeout(resolve, 200));
      // Killed: gone, or a zombie until this machine's init reaps it.
      const stat = `/proc/${sleeper}/stat`;
      const state = existsSync(stat) ? readFileSync(stat, "utf8").split(") ")[1]?.[0] : "gone";
      expect(["gone", "Z"]).toContain(state);
    });
  },
);
