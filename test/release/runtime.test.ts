import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureHelm } from "../../scripts/peers/helm.mjs";
import { nodeTierUnsupported } from "../../scripts/peers/node.mjs";
import { HOST_ARCH } from "../../scripts/sea/arch.mjs";
import { initContainer, render, secretFiles, VALUE_SETS } from "../chart/chart.js";
import { copyRoot, removeRoots } from "../install/harness.js";
import { releasedImage, runAsync } from "./layout.js";

/**
 * The release's installer image under a real container runtime: Debian's containerd imports the
 * tarball the release ships for this machine, and runc runs it as the chart's init container
 * runs (privileged, in the host's PID namespace, the stage and the Secret's files mounted), with
 * the entry point from the image's config. pullkey installs into a fixture tree (--root). The
 * host's PID 1 cannot be entered here, so PULLKEY_HOST_PID names this test's process.
 */

// The node tier's needs (root, namespaces, overlayfs, writable cgroups) and its Debian
// containerd and runc, which `npm run peers` installs where the node tier runs.
const unsupported =
  (await nodeTierUnsupported()) ??
  (["/usr/bin/containerd", "/usr/bin/ctr", "/usr/sbin/runc"].every((b) => existsSync(b))
    ? undefined
    : "needs Debian's containerd and runc (npm run peers installs them as root)");
const NAMESPACE = "pullkey-image-test";
const image = releasedImage();
const arch = HOST_ARCH === "arm64" ? "arm64" : "amd64";

let dir = "";
let containerd: ChildProcess | undefined;
let helm = "";
const temps: string[] = [];
function tempDir(): string {
  const made = mkdtempSync(join(tmpdir(), "pullkey-runtime-"));
  temps.push(made);
  return made;
}

const ctr = (args: readonly string[]) =>
  runAsync("ctr", ["--address", join(dir, "containerd.sock"), "--namespace", NAMESPACE, ...args]);

beforeAll(async () => {
  if (unsupported) return;
  helm = await ensureHelm();
  dir = tempDir();
  // Its own root, state and socket, and no CRI plugin: nothing of the machine's containerd.
  writeFileSync(
    join(dir, "config.toml"),
    [
      "version = 2",
      `root = "${dir}/root"`,
      `state = "${dir}/state"`,
      'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
      "[grpc]",
      `  address = "${dir}/containerd.sock"`,
    ].join("\n"),
  );
  containerd = spawn("containerd", ["--config", join(dir, "config.toml")], {
    stdio: "ignore",
    detached: true,
  });
  for (let i = 0; i < 100 && (await ctr(["version"])).status !== 0; i++) {
    if (containerd.exitCode !== null) throw new Error("containerd exited at start");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const imported = await ctr(["images", "import", image.tarballs[arch]]);
  if (imported.status !== 0) throw new Error(`ctr images import: ${imported.output}`);
}, 600_000);

afterAll(async () => {
  if (containerd?.pid) {
    // A test that failed half-way may leave its container: stop it, so no mount outlives this.
    for (const id of ["install-test", "pause-test"]) {
      await ctr(["task", "kill", "--signal", "SIGKILL", id]);
      await ctr(["task", "delete", "--force", id]);
      await ctr(["containers", "rm", id]);
    }
    await ctr(["images", "rm", `docker.io/library/${image.tag}`]);
    process.kill(-containerd.pid, "SIGTERM");
    await new Promise((resolve) => containerd?.once("exit", resolve));
    const mounts = readFileSync("/proc/mounts", "utf8")
      .split("\n")
      .map((line) => line.split(" ")[1] ?? "")
      .filter((point) => point.startsWith(`${dir}/`));
    for (const point of mounts.reverse()) await runAsync("umount", [point]);
  }
  removeRoots();
  for (const made of temps.splice(0)) rmSync(made, { recursive: true, force: true });
});

describe.skipIf(unsupported !== undefined)(
  "the release's installer image in containerd and runc",
  () => {
    it("imports under its tag for this machine's platform", async () => {
      const listed = await ctr(["images", "ls"]);
      expect(listed.output).toContain(`docker.io/library/${image.tag}`);
      expect(listed.output).toContain(`linux/${arch}`);
    });

    it("runs as the chart's init container and installs pullkey on the host", async () => {
      const manifests = render(helm, VALUE_SETS[0]?.values ?? {});
      const config = tempDir();
      for (const [name, bytes] of Object.entries(secretFiles(manifests))) {
        writeFileSync(join(config, name), bytes, { mode: 0o400 });
      }
      const stage = tempDir();
      const root = copyRoot("kubeadm");
      const result = await ctr([
        "run",
        "--rm",
        "--privileged",
        `--with-ns=pid:/proc/${process.pid}/ns/pid`,
        `--mount=type=bind,src=${stage},dst=/stage,options=rbind:rw`,
        `--mount=type=bind,src=${config},dst=/config,options=rbind:ro`,
        `--env=PULLKEY_STAGE=${stage}`,
        `--env=PULLKEY_HOST_PID=${process.pid}`,
        `docker.io/library/${image.tag}`,
        "install-test",
        // The entry point from the image's config, then the init container's arguments.
        "/bin/busybox",
        "sh",
        "/opt/pullkey/entry.sh",
        ...initContainer(manifests).args,
        "--root",
        root,
      ]);
      expect(result.output).toContain("pullkey: created /etc/pullkey/docker-config.json");
      expect(result.status).toBe(0);
      const installed = join(root, "usr/local/lib/kubelet/credential-providers/pullkey");
      expect(statSync(installed).mode & 0o777).toBe(0o755);
      // Buffer.equals: a deep equality walks 105 MiB byte by byte.
      expect(readFileSync(installed).equals(readFileSync(image.executables[arch]))).toBe(true);
      expect(existsSync(join(stage, "run"))).toBe(false);
    });

    it("pauses until stopped, and exits 0 at once on SIGTERM as the container's PID 1", async () => {
      // ctr run waits for the task and exits with its status.
      const running = ctr([
        "run",
        "--rm",
        `docker.io/library/${image.tag}`,
        "pause-test",
        "/bin/busybox",
        "sh",
        "/opt/pullkey/entry.sh",
        "pause",
      ]);
      let listed = "";
      for (let i = 0; i < 300 && !/pause-test\s+\d+\s+RUNNING/.test(listed); i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        listed = (await ctr(["task", "ls"])).output;
      }
      expect(listed).toMatch(/pause-test\s+\d+\s+RUNNING/);
      const sent = Date.now();
      await ctr(["task", "kill", "--signal", "SIGTERM", "pause-test"]);
      expect((await running).status).toBe(0);
      expect(Date.now() - sent).toBeLessThan(5_000);
    });
  },
);
