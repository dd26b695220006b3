import {
  chmodSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { installCommand, type RunCommand } from "../../provider/commands/install.js";
import type { Io } from "../../provider/io.js";
import type { NodeFs } from "../../provider/node/fs.js";

/** Hermetic install runs: fixture trees copied to temp folders, run with --root, fixed clock. */

export const FIXTURES = fileURLToPath(new URL("../fixtures/install", import.meta.url));
export const FAKE_EXECUTABLE = join(FIXTURES, "inputs", "pullkey-fake");
export const DOCKER_CONFIG = join(FIXTURES, "inputs", "docker-config.json");
/** The password inside DOCKER_CONFIG: must never appear in any output. */
export const DOCKER_SECRET = "install-test-secret-4c1d";
export const NOW = new Date("2026-01-02T03:04:05Z");
/** What `kubelet --version` says on the pretend host. */
export const KUBELET_VERSION = "v1.33.7";

export interface Captured {
  status: number;
  stdout: string;
  stderr: string;
  commands: string[][];
}

const temps: string[] = [];

/** A temp copy of a fixture root's `before` tree (or an empty root). */
export function copyRoot(name?: string): string {
  const dir = mkdtempSync(join(tmpdir(), "pullkey-install-"));
  temps.push(dir);
  if (name) cpSync(join(FIXTURES, "roots", name, "before"), dir, { recursive: true });
  return dir;
}

/** Deletes the temp roots made so far. */
export function removeRoots(): void {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Runs `pullkey install|uninstall` in memory against `root`. */
export async function pullkey(
  command: "install" | "uninstall",
  root: string,
  args: readonly string[],
  fs?: (root: string) => NodeFs,
  exitStatus: (argv: readonly string[]) => number = () => 0,
): Promise<Captured> {
  let stdout = "";
  let stderr = "";
  const commands: string[][] = [];
  const run: RunCommand = (argv) => {
    commands.push([...argv]);
    const kubelet = argv.slice(-2).join(" ") === "kubelet --version";
    return { status: exitStatus(argv), stdout: kubelet ? `Kubernetes ${KUBELET_VERSION}\n` : "" };
  };
  const io: Io = {
    argv: [command, ...args],
    env: {},
    cwd: root,
    readStdin: () => new Uint8Array(),
    stdinIsTTY: false,
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    readFile: (path) => readFile(path),
    fileMode: async (path) => (await stat(path)).mode & 0o7777,
    now: () => NOW,
    uid: 0,
  };
  const status = await installCommand(io, command, ["--root", root, ...args], {
    run,
    ...(fs ? { fs } : {}),
  });
  return { status, stdout, stderr, commands };
}

export interface TreeEntry {
  /** File content (utf8), or "<dir>" for a folder. */
  content: string;
  mode: string;
}

/** Every file and folder under `dir`, with content and permission bits. */
export function snapshot(dir: string): Record<string, TreeEntry> {
  const out: Record<string, TreeEntry> = {};
  const walk = (current: string) => {
    for (const name of readdirSync(current).sort()) {
      const path = join(current, name);
      const info = statSync(path);
      const key = `/${relative(dir, path)}`;
      const mode = (info.mode & 0o7777).toString(8);
      if (info.isDirectory()) {
        out[key] = { content: "<dir>", mode };
        walk(path);
      } else {
        out[key] = { content: readFileSync(path, "utf8"), mode };
      }
    }
  };
  walk(dir);
  return out;
}

/** Files only, content only: what golden trees hold. */
export function files(tree: Record<string, TreeEntry>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(tree)
      .filter(([, entry]) => entry.content !== "<dir>")
      .map(([path, entry]) => [path, entry.content]),
  );
}

/** Reads a golden tree; with PULLKEY_UPDATE_GOLDEN=1 first rewrites it from `actual`. */
export function golden(name: string, actual: Record<string, string>): Record<string, string> {
  const dir = join(FIXTURES, "golden", name);
  if (process.env["PULLKEY_UPDATE_GOLDEN"] === "1") {
    rmSync(dir, { recursive: true, force: true });
    for (const [path, content] of Object.entries(actual)) {
      mkdirSync(join(dir, path, ".."), { recursive: true });
      writeFileSync(join(dir, path), content);
    }
  }
  return files(snapshot(dir));
}

/** The arguments every install test starts from: the fake executable and the docker config. */
export const INSTALL = ["--executable", FAKE_EXECUTABLE, "--docker-config", DOCKER_CONFIG];

/** Writes a node file under `root`. */
export function put(root: string, path: string, text: string, mode = 0o644): void {
  mkdirSync(join(root, path, ".."), { recursive: true });
  writeFileSync(join(root, path), text);
  chmodSync(join(root, path), mode);
}

/** A kubelet config with only a GCR provider. */
export const GCR = `apiVersion: kubelet.config.k8s.io/v1
kind: CredentialProviderConfig
providers:
  - name: gcr-credential-provider
    matchImages: ["gcr.io"]
    defaultCacheDuration: "1m"
    apiVersion: credentialprovider.kubelet.k8s.io/v1
`;

/** A kubelet config with only an ECR provider. */
export const ECR_ONLY = `apiVersion: kubelet.config.k8s.io/v1
kind: CredentialProviderConfig
providers:
  - name: ecr-credential-provider
    matchImages: ["*.dkr.ecr.*.amazonaws.com"]
    defaultCacheDuration: "12h"
    apiVersion: credentialprovider.kubelet.k8s.io/v1
`;
