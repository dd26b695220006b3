import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The checkout the tests run in. */
export const REPO = fileURLToPath(new URL("../../", import.meta.url));

/** The commit the release tier tests: the checkout's HEAD (a release never holds more). */
export function headCommit(): string {
  return execFileSync("git", ["rev-parse", "HEAD"], { cwd: REPO, encoding: "utf8" }).trim();
}

/**
 * Where the release of `commit` is kept between test runs: building one takes a minute or more
 * (two single executables, one under qemu), and every test file of the tier reads the same one.
 */
export function releaseCacheDir(commit = headCommit()): string {
  return join(tmpdir(), `pullkey-release-${commit.slice(0, 12)}`);
}

/**
 * The script in the cache folder that runs the release's linux-`arch` executable on this machine
 * (under qemu when `arch` is not the machine's), so suites run either like a native file.
 */
export const runnerFor = (arch: "amd64" | "arm64") => `run-linux-${arch}`;

/** Set by the release tier to its release folder: the e2e suites then run its executables. */
export const RELEASE_DIR_ENV = "PULLKEY_RELEASE_DIR";
