// The kubelet conformance harness (test/conformance): a Go test binary built from the kubelet's
// own credential-provider packages, one per pinned Kubernetes release. Binaries are cached
// outside the repo, keyed by everything that goes into them, so a fresh clone on the same
// machine reuses them and a new machine builds them once.
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
} from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { publishBuild } from "./publish.mjs";
import { run } from "./run.mjs";

/** The Go module of the harness. */
export const HARNESS_DIR = fileURLToPath(new URL("../../test/conformance/", import.meta.url));

/** Overrides the cache root ($HOME/.cache/pullkey-test-peers), read when called. */
export const PEER_CACHE_ENV = "PULLKEY_PEER_CACHE";

/** Where built test peers live. */
export function peerCacheRoot() {
  return process.env[PEER_CACHE_ENV] || join(homedir(), ".cache", "pullkey-test-peers");
}

/**
 * The pinned Kubernetes releases: go.mod (the newest) and every k8s-<release>.mod beside it,
 * each with its go.sum twin, read from the module files so adding a release adds a file only.
 */
export function harnessReleases() {
  const modfiles = readdirSync(HARNESS_DIR)
    .filter((f) => /^k8s-.+\.mod$/.test(f))
    .sort();
  return ["go.mod", ...modfiles].map((modfile) => {
    const text = readFileSync(join(HARNESS_DIR, modfile), "utf8");
    const kubernetes = /^\s*k8s\.io\/kubernetes (v\S+)/m.exec(text)?.[1];
    if (!kubernetes) throw new Error(`${modfile} does not require k8s.io/kubernetes`);
    const sumfile = modfile === "go.mod" ? "go.sum" : modfile.replace(/\.mod$/, ".sum");
    return { kubernetes, modfile, sumfile };
  });
}

/**
 * The top-level Go tests (func TestXxx(t *testing.T)) of the harness, in file order; `file`
 * keeps those of one Go file (vault_test.go: the scenarios that talk to Vault).
 */
export function harnessScenarios({ file } = {}) {
  return goFiles()
    .filter((f) => file === undefined || f === file)
    .flatMap((f) => [
      ...readFileSync(join(HARNESS_DIR, f), "utf8").matchAll(/^func (Test\w+)\(t \*testing\.T\)/gm),
    ])
    .map((m) => m[1]);
}

/**
 * Returns the test binary for release, building it with `go test -c` on first use (minutes on
 * a cold machine; niced, as the machine is shared). The cache key covers the module files, the
 * Go sources and the Go toolchain.
 */
export async function ensureHarness(
  release,
  { log = (line) => process.stderr.write(`peers: ${line}\n`) } = {},
) {
  const goEnv = await run("go", ["env", "GOVERSION", "GOOS", "GOARCH"], {});
  if (goEnv.status !== 0) throw new Error(`the conformance harness needs Go:\n${goEnv.output}`);
  const hash = createHash("sha256");
  for (const f of [release.modfile, release.sumfile, ...goFiles()]) {
    const content = readFileSync(join(HARNESS_DIR, f));
    hash.update(`${f}\0${content.length}\0`).update(content);
  }
  hash.update(goEnv.output);
  const name = `conformance-k8s-${release.kubernetes}`;
  const dir = join(peerCacheRoot(), `${name}-${hash.digest("hex").slice(0, 16)}`);
  const binary = join(dir, "conformance.test");
  if (existsSync(binary)) {
    // Marks the build as in use, so the pruning below (by any clone) keeps it.
    utimesSync(dir, new Date(), new Date());
    return binary;
  }

  log(`building the conformance harness against k8s.io/kubernetes ${release.kubernetes}`);
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const modfile = release.modfile === "go.mod" ? [] : [`-modfile=${release.modfile}`];
  const started = Date.now();
  const build = await run(
    "nice",
    ["-n", "10", "go", "test", "-c", ...modfile, "-o", join(tmp, "conformance.test"), "."],
    { cwd: HARNESS_DIR },
  );
  if (build.status !== 0) {
    rmSync(tmp, { recursive: true, force: true });
    throw new Error(`go test -c ${modfile.join(" ")} failed:\n${build.output}`);
  }
  publishBuild(tmp, dir, binary);
  log(`built ${binary} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  // Each build is ~80 MB. Builds of other harness sources may still serve another clone or an
  // older commit's CI run on this machine, so only builds unused for a week are removed.
  const weekAgo = Date.now() - 7 * 24 * 3600_000;
  for (const old of readdirSync(peerCacheRoot())) {
    const path = join(peerCacheRoot(), old);
    if (
      old.startsWith(`${name}-`) &&
      !old.includes(".tmp-") &&
      path !== dir &&
      statSync(path).mtimeMs < weekAgo
    ) {
      rmSync(path, { recursive: true, force: true });
    }
  }
  return binary;
}

/**
 * Runs scenarios of a harness binary against one pullkey executable; `run` is a -test.run
 * pattern; `aws` and `vault` are the JSON describing the moto and the Vault the AWS and Vault
 * scenarios use (test/conformance/aws-fixture.ts, vault-fixture.ts). Resolves with the exit
 * status and the combined Go output.
 */
export function runHarness(
  binary,
  { pullkeyBin, registryBin, matchTable, aws, vault, run: pattern },
) {
  const args = ["-test.timeout=4m", ...(pattern ? [`-test.run=${pattern}`] : [])];
  return run(binary, args, {
    cwd: HARNESS_DIR,
    env: {
      ...process.env,
      PULLKEY_CONFORMANCE_BIN: pullkeyBin,
      ...(registryBin ? { PULLKEY_CONFORMANCE_REGISTRY_BIN: registryBin } : {}),
      ...(matchTable ? { PULLKEY_CONFORMANCE_MATCH_TABLE: matchTable } : {}),
      ...(aws ? { PULLKEY_CONFORMANCE_AWS: aws } : {}),
      ...(vault ? { PULLKEY_CONFORMANCE_VAULT: vault } : {}),
    },
  });
}

/** The names of the tests compiled into a harness binary (`-test.list`). */
export async function listHarness(binary) {
  const result = await run(binary, ["-test.list", "."], { cwd: HARNESS_DIR });
  if (result.status !== 0) throw new Error(`${binary} -test.list failed:\n${result.output}`);
  return result.output.split("\n").filter((line) => line.startsWith("Test"));
}

function goFiles() {
  return readdirSync(HARNESS_DIR)
    .filter((f) => f.endsWith(".go"))
    .sort();
}
