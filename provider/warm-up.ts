import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "./cli.js";
import { readFileBounded } from "./files.js";
import { forgetStateDirVerdicts } from "./state/folder.js";

/**
 * Runs the plugin's own paths once at build time, inside the snapshot builder, so the functions
 * an exec runs are compiled already when the snapshot is saved (V8 keeps their bytecode): a
 * first exec (YAML compiled and saved under stateDir) and a second one (compiled config read
 * back), on a scratch folder removed afterwards. Nothing of it may survive into an exec: no
 * handle, timer or file stays open, and module state that remembers a folder is forgotten.
 */
export async function warmUp(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "pullkey-warm-up-"));
  try {
    writeFileSync(join(dir, "token"), "warm-up\n", { mode: 0o600 });
    const config = join(dir, "pullkey.yaml");
    writeFileSync(
      config,
      [
        "apiVersion: pullkey/v1",
        "kind: PullkeyConfig",
        `stateDir: ${join(dir, "state")}`,
        "rules:",
        "  - name: hub",
        "    preset: dockerhub",
        "    source: {type: static, username: robot, passwordFile: token}",
        "",
      ].join("\n"),
    );
    for (let i = 0; i < 2; i++) await exec(["--config", config], REQUEST);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    forgetStateDirVerdicts();
  }
}

const REQUEST = `{"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/v1","image":"docker.io/library/busybox"}\n`;

/** One plugin run on in-memory stdio; fails the build if the run fails. */
async function exec(argv: string[], stdin: string): Promise<void> {
  let stderr = "";
  const status = await run({
    argv,
    env: {},
    cwd: "/",
    readStdin: () => Buffer.from(stdin),
    stdinIsTTY: false,
    stdout: () => {},
    stderr: (text) => {
      stderr += text;
    },
    readFile: (path, limit) => readFileBounded(path, limit),
    fileMode: async (path) => (await stat(path)).mode,
    now: () => new Date(),
    uid: process.getuid?.() ?? 0,
  });
  if (status !== 0) throw new Error(`warm-up run ${argv.join(" ")} failed: ${stderr.trim()}`);
}
