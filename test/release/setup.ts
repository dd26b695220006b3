import { spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ARCHES, type Arch, commandFor, ensureToolsFor } from "../../scripts/sea/arch.mjs";
import { headCommit, REPO, releaseCacheDir, runnerFor } from "./cache.js";

// Release caches of other commits (about 370 MB each) are dropped once unused for an hour: every
// run of the tier touches its folder.
const STALE_MS = 60 * 60_000;

/**
 * Global setup of the release tier: the release of HEAD, built once per commit into the cache
 * (test/release/cache.ts), and a script per executable that runs it here (the foreign one under
 * qemu), so the end-to-end wire and failure suites run both as they run a native file.
 */
export default async function setup(): Promise<void> {
  for (const arch of Object.keys(ARCHES) as Arch[]) {
    await ensureToolsFor(arch, "the release tier (each executable runs here, one under qemu)");
  }
  const commit = headCommit();
  const dir = releaseCacheDir(commit);
  if (!existsSync(join(dir, "SHA256SUMS"))) {
    dropStaleCaches(dir);
    // Built beside its final name and renamed into place: a cache folder is whole or absent.
    const building = `${dir}.building-${process.pid}`;
    process.stderr.write(
      `release tier: building the release of ${commit.slice(0, 12)} (a minute or two)\n`,
    );
    const result = spawnSync(
      "nice",
      [
        "-n",
        "10",
        process.execPath,
        "scripts/release/main.mjs",
        "--out",
        building,
        "--ref",
        commit,
      ],
      { cwd: REPO, encoding: "utf8", timeout: 20 * 60_000 },
    );
    if (result.status !== 0) {
      rmSync(building, { recursive: true, force: true });
      throw new Error(`npm run release failed (${result.status}):\n${result.stderr}`);
    }
    try {
      renameSync(building, dir);
    } catch {
      // Another run finished the same commit first; its copy is the same bytes.
      rmSync(building, { recursive: true, force: true });
    }
  }
  for (const [arch, { release }] of Object.entries(ARCHES) as [Arch, { release: string }][]) {
    const executable = readdirSync(dir).find((name) => name.endsWith(`-linux-${release}`));
    if (!executable) throw new Error(`${dir} holds no linux-${release} executable`);
    const run = commandFor(arch, join(dir, executable));
    const words = [run.command, ...run.args].map((word) => `'${word}'`).join(" ");
    const runner = join(dir, runnerFor(release as "amd64" | "arm64"));
    writeFileSync(runner, `#!/bin/sh\nexec ${words} "$@"\n`);
    // Readable and runnable by anyone: the failure suite runs one case as an unprivileged uid.
    chmodSync(runner, 0o755);
  }
  // In use now: not stale for another hour (dropStaleCaches).
  const now = new Date();
  utimesSync(dir, now, now);
}

function dropStaleCaches(keep: string): void {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith("pullkey-release-")) continue;
    const path = join(tmpdir(), name);
    if (path === keep) continue;
    try {
      if (Date.now() - statSync(path).mtimeMs > STALE_MS)
        rmSync(path, { recursive: true, force: true });
    } catch {
      // Gone already, or not ours to remove.
    }
  }
}
