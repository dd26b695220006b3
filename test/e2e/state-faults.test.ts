import { spawnSync } from "node:child_process";
import { chownSync, mkdirSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ARTIFACTS, capturedOutputs } from "./artifacts.js";
import { expectNoLeaks } from "./leaks.js";
import { type MotoRig, password, startMotoRig } from "./support/moto-rule.js";

// pullkey's own state on a broken or hostile disk, through both built executables: a read-only
// or full stateDir, FIFOs planted where state files should be, a stateDir that leads into
// another user's folder. Each must still answer the pull, within the exec budget. Mounts need
// root: without it those cases are skipped (the unit tests cover the same code paths).
const HUB = "state-faults-FIXTURE-f1";
const AS_ROOT = process.getuid?.() === 0;
const SKIP_MOUNTS = AS_ROOT ? false : "mounting a tmpfs or a bind mount needs root";
let rig: MotoRig;
let n = 0;
const mounts: string[] = [];

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")}: ${result.stderr}`);
}

/** Mounts a small private tmpfs at `dir` (unmounted in afterAll). */
function tmpfs(dir: string, size: string): void {
  mkdirSync(dir, { recursive: true });
  run("mount", ["-t", "tmpfs", "-o", `size=${size},mode=0700`, "tmpfs", dir]);
  mounts.push(dir);
}

/** Fills a file system until writes fail with ENOSPC. */
function fill(file: string): void {
  spawnSync("dd", ["if=/dev/zero", `of=${file}`, "bs=4k"], { stdio: "ignore" });
}

beforeAll(async () => {
  rig = await startMotoRig("state-faults", { "pullkey/hub": HUB });
}, 120_000);
afterAll(async () => {
  for (const dir of mounts.reverse()) {
    if (spawnSync("umount", [dir]).status !== 0) spawnSync("umount", ["-l", dir]);
  }
  await rig?.stop();
  expectNoLeaks(capturedOutputs(), [HUB]);
});

describe.each(ARTIFACTS)(
  "the $name with its state on a broken disk",
  ({ name: artifact, path }) => {
    const fresh = (options?: Parameters<MotoRig["config"]>[1]) =>
      rig.config(`${artifact.replace(/ /g, "-")}-${n++}`, options);

    it.skipIf(SKIP_MOUNTS).each([
      { name: "a read-only tmpfs", mount: (dir: string) => tmpfs(dir, "1m") },
      {
        name: "a read-only bind mount",
        mount: (dir: string) => {
          mkdirSync(dir, { recursive: true, mode: 0o700 });
          run("mount", ["--bind", dir, dir]);
          mounts.push(dir);
        },
      },
    ])(
      "answers every pull with $name as stateDir",
      async ({ mount }) => {
        const { file, stateDir } = fresh();
        mount(stateDir);
        mkdirSync(join(stateDir, "cache"), { mode: 0o700 });
        run("mount", ["-o", "remount,bind,ro", stateDir]);
        const before = rig.proxy.count;
        for (const result of [await rig.exec(path, file), await rig.exec(path, file)]) {
          // One warning line after the answer, for whoever runs it by hand.
          expect(result.stderr).toMatch(
            /^pullkey: warning: credential cache lock in \S+ unusable \(EROFS\): fetching without it\n$/,
          );
          expect(password(result)).toBe(HUB);
        }
        expect(rig.proxy.count - before).toBe(2);
      },
      60_000,
    );

    it.skipIf(SKIP_MOUNTS)(
      "answers on a full stateDir, and caches again once space is freed, with no lock left behind",
      async () => {
        const { file, stateDir } = fresh();
        tmpfs(stateDir, "256k");
        mkdirSync(join(stateDir, "cache"), { mode: 0o700 });
        fill(join(stateDir, "filler"));
        const full = await rig.exec(path, file);
        expect(full.stderr).toMatch(
          /^pullkey: warning: credential cache lock in \S+ unusable \(ENOSPC\)/,
        );
        expect(full.stderr.split("\n")).toHaveLength(2);
        expect(password(full)).toBe(HUB);
        expect(readdirSync(join(stateDir, "cache"))).toEqual([]);

        rmSync(join(stateDir, "filler"));
        const before = rig.proxy.count;
        for (const result of [await rig.exec(path, file), await rig.exec(path, file)]) {
          expect(result.stderr).toBe("");
          expect(password(result)).toBe(HUB);
        }
        expect(rig.proxy.count - before).toBe(1);
      },
      60_000,
    );

    it.each([
      { name: "the metrics state", at: "metrics.json" },
      { name: "the metrics exec log", at: "metrics.log" },
      { name: "a cache entry", at: "cache/ENTRY" },
    ])(
      "answers within its budget with a FIFO planted as $name",
      async ({ at }) => {
        const { file, stateDir } = fresh({
          execTimeout: "10s",
          extra: `metrics:\n  textfile: ${join(rig.dir, "unused.prom")}\n`,
        });
        expect(password(await rig.exec(path, file))).toBe(HUB);
        const entry = readdirSync(join(stateDir, "cache")).find((f) =>
          f.endsWith(".json"),
        ) as string;
        rmSync(join(stateDir, "cache", entry));
        const fifo = join(stateDir, at.replace("ENTRY", entry));
        rmSync(fifo, { force: true });
        run("mkfifo", ["-m", "600", fifo]);
        const started = Date.now();
        const result = await rig.exec(path, file);
        expect(result.stderr).toBe("");
        expect(password(result)).toBe(HUB);
        // The budget is 10 s; the rest is start-up on a busy machine, far from the kubelet's 60 s.
        expect(Date.now() - started).toBeLessThan(25_000);
      },
      60_000,
    );

    it.runIf(AS_ROOT)(
      "answers within its budget when stateDir leads into another user's folder holding a FIFO, and writes nothing there",
      async () => {
        const { folder } = fresh();
        const foreign = join(folder, "foreign");
        mkdirSync(foreign, { mode: 0o755 });
        run("mkfifo", [join(foreign, "metrics.json")]);
        chownSync(foreign, 65534, 65534);
        symlinkSync(foreign, join(folder, "state-link"));
        const { file } = fresh({
          stateDir: join(folder, "state-link"),
          execTimeout: "10s",
          extra: `metrics:\n  textfile: ${join(rig.dir, "unused.prom")}\n`,
        });
        const started = Date.now();
        const result = await rig.exec(path, file);
        expect(result.stderr).toMatch(
          /^pullkey: warning: credential cache skipped for this exec: \S+state-link is owned by uid 65534, not root or 0\n$/,
        );
        expect(password(result)).toBe(HUB);
        expect(Date.now() - started).toBeLessThan(25_000);
        expect(readdirSync(foreign)).toEqual(["metrics.json"]);
      },
      60_000,
    );
  },
);
