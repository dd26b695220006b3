#!/usr/bin/env node
// npm run release: builds the release of one commit into dist/release/ (or --out DIR):
//   pullkey-<version>-linux-amd64, pullkey-<version>-linux-arm64   single executables
//   pullkey-<version>-linux-<arch>.tar.gz                          executable, install.sh, docs, examples
//   pullkey-<version>.cdx.json                                     CycloneDX SBOM of the executables
//   pullkey-installer-<version>.oci/, pullkey-installer-<version>-linux-<arch>.tar   the DaemonSet's image
//   SHA256SUMS                                                     sha256sum -c reads it
// The bytes depend on the commit alone: it is exported into a fresh folder (scripts/release/
// source.mjs), every time is the commit's (SOURCE_DATE_EPOCH, unless set), the build id is the
// commit, and no path, clock or process id of the build reaches an output. test/release proves
// it by building twice.
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { run } from "../peers/run.mjs";
import { ARCHES } from "../sea/arch.mjs";
import { pinnedNode } from "../sea/executable.mjs";
import { writeChecksums } from "./checksums.mjs";
import { releaseSbom } from "./sbom.mjs";
import { commitInfo, exportCommit } from "./source.mjs";
import { tarball } from "./tarball.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const log = (line) => process.stderr.write(`release: ${line}\n`);

/** Builds the release of `ref` into `out`; resolves with the file names written. */
export async function release({ ref = "HEAD", out = join(root, "dist", "release") } = {}) {
  const { commit, epoch: commitEpoch, dirty } = commitInfo(root, ref);
  const epoch = sourceDateEpoch(commitEpoch);
  if (dirty)
    log(`the checkout has uncommitted changes; the release holds ${commit.slice(0, 12)} only`);
  // Installed once in the checkout, then linked into the export (no second download).
  for (const arch of Object.keys(ARCHES)) await pinnedNode(arch, log);
  const srcDir = exportCommit(root, commit);
  try {
    const pkg = JSON.parse(readFileSync(join(srcDir, "package.json"), "utf8"));
    const env = { ...process.env, SOURCE_DATE_EPOCH: String(epoch) };
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out, { recursive: true });
    const executables = {};
    for (const { release: name } of Object.values(ARCHES)) {
      executables[name] = join(out, `pullkey-${pkg.version}-linux-${name}`);
    }
    // The commit's own build, exactly as npm run build makes dist/pullkey (bundle, the single
    // executable's modules and their code caches), once per architecture.
    const build = await run(
      process.execPath,
      [
        "scripts/build.mjs",
        `--build-id=${commit.slice(0, 12)}`,
        ...Object.entries(ARCHES).map(
          ([arch, { release }]) => `--executable=${arch}=${executables[release]}`,
        ),
      ],
      { cwd: srcDir, env },
    );
    if (build.status !== 0) throw new Error(`release: the build failed:\n${build.output}`);
    for (const line of build.output.split("\n"))
      if (line.includes(" MiB, ")) log(line.replace(/^build: /, ""));
    const lock = JSON.parse(
      readFileSync(join(srcDir, "scripts", "sea", "package-lock.json"), "utf8"),
    );
    const runtimes = [];
    for (const [arch, { release: name }] of Object.entries(ARCHES)) {
      const base = `pullkey-${pkg.version}-linux-${name}`;
      writeFileSync(
        join(out, `${base}.tar.gz`),
        tarball({ srcDir, executable: executables[name], top: base, epoch }),
      );
      const runtime = lock.packages[`node_modules/node-linux-${arch}`];
      runtimes.push({
        arch,
        release: name,
        version: runtime.version,
        integrity: runtime.integrity,
      });
    }
    const sbom = releaseSbom({
      srcDir,
      version: pkg.version,
      commit,
      epoch,
      license: pkg.license,
      runtimes,
    });
    writeFileSync(
      join(out, `pullkey-${pkg.version}.cdx.json`),
      `${JSON.stringify(sbom, null, 2)}\n`,
    );
    // The DaemonSet's installer image around the same two executables (the commit's own
    // scripts/release/image.mjs): its tarballs are checksummed with the rest.
    const image = await import(pathToFileURL(join(srcDir, "scripts", "release", "image.mjs")).href);
    await image.buildInstallerImage({
      executables,
      outDir: out,
      version: pkg.version,
      sourceDateEpoch: epoch,
    });
    const files = writeChecksums(out);
    fixModes(out, new Set(Object.values(executables)));
    log(
      `${relative(process.cwd(), out)}: ${files.length} files and SHA256SUMS for ${commit.slice(0, 12)}`,
    );
    return { commit, epoch, version: pkg.version, files };
  } finally {
    rmSync(srcDir, { recursive: true, force: true });
  }
}

/**
 * Sets every mode under `dir` (0755 for folders and `executables`, 0644 for the rest), so the
 * umask of whoever builds never shows in a release.
 */
function fixModes(dir, executables) {
  chmodSync(dir, 0o755);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) fixModes(path, executables);
    else chmodSync(path, executables.has(path) ? 0o755 : 0o644);
  }
}

/** SOURCE_DATE_EPOCH from the environment when set (the spec's rule), else the commit's time. */
function sourceDateEpoch(commitEpoch) {
  const text = process.env.SOURCE_DATE_EPOCH;
  if (text === undefined || text === "") return commitEpoch;
  if (!/^\d+$/.test(text))
    throw new Error(`release: SOURCE_DATE_EPOCH=${text} is not a number of seconds`);
  return Number(text);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { out: { type: "string" }, ref: { type: "string" } } });
  await release({
    ...(values.out ? { out: resolve(values.out) } : {}),
    ...(values.ref ? { ref: values.ref } : {}),
  });
}
