import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { doctorCommand } from "../../provider/commands/doctor.js";
import type { HttpClient } from "../../provider/doctor/http.js";
import type { DoctorReport } from "../../provider/doctor/report.js";
import type { Io } from "../../provider/io.js";
import { kubeadmDropIn, PACKAGED_KUBELET_SERVICE } from "../../provider/node/stock-units.js";

/** A file in a fake node tree: text, and a mode when it matters (executables). */
export type TreeFile = string | { text: string; mode: number };

const temps: string[] = [];

/** A temp folder, removed by removeTemps(). */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `pullkey-doctor-${prefix}-`));
  temps.push(dir);
  return dir;
}

export function removeTemps(): void {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Writes node paths (`/etc/default/kubelet`) under `root`. */
export function writeTree(root: string, files: Record<string, TreeFile>): string {
  for (const [path, file] of Object.entries(files)) {
    const host = join(root, path);
    mkdirSync(dirname(host), { recursive: true });
    if (path.endsWith("/")) {
      mkdirSync(host, { recursive: true });
      continue;
    }
    const { text, mode } = typeof file === "string" ? { text: file, mode: 0o644 } : file;
    writeFileSync(host, text);
    chmodSync(host, mode);
  }
  return root;
}

/** A kubelet CredentialProviderConfig with a pullkey entry. */
export function kubeletConfig(
  options: { name?: string; matchImages?: string[]; args?: string[] } = {},
): string {
  return [
    "apiVersion: kubelet.config.k8s.io/v1",
    "kind: CredentialProviderConfig",
    "providers:",
    `  - name: ${options.name ?? "pullkey"}`,
    `    matchImages: [${(options.matchImages ?? ["docker.io"]).map((m) => JSON.stringify(m)).join(", ")}]`,
    '    defaultCacheDuration: "10m"',
    "    apiVersion: credentialprovider.kubelet.k8s.io/v1",
    ...(options.args
      ? [`    args: [${options.args.map((a) => JSON.stringify(a)).join(", ")}]`]
      : []),
    "",
  ].join("\n");
}

/** A kubeadm node whose kubelet has both flags and a pullkey entry matching `matchImages`. */
export function healthyNode(matchImages: string[], args?: string[]): Record<string, TreeFile> {
  return {
    // What the kubeadm deb packages put on disk.
    [PACKAGED_KUBELET_SERVICE.path]: PACKAGED_KUBELET_SERVICE.text,
    [kubeadmDropIn("deb").path]: kubeadmDropIn("deb").text,
    "/var/lib/kubelet/kubeadm-flags.env":
      'KUBELET_KUBEADM_ARGS="--container-runtime-endpoint=unix:///run/containerd/containerd.sock"\n',
    "/etc/default/kubelet":
      'KUBELET_EXTRA_ARGS="--image-credential-provider-config=/etc/kubernetes/credential-provider-config.yaml --image-credential-provider-bin-dir=/usr/local/lib/kubelet/credential-providers"\n',
    "/etc/kubernetes/credential-provider-config.yaml": kubeletConfig({
      matchImages,
      ...(args ? { args } : {}),
    }),
    "/usr/local/lib/kubelet/credential-providers/pullkey": {
      text: "#!/bin/sh\nexit 1\n",
      mode: 0o755,
    },
  };
}

export interface DoctorRun {
  status: number;
  stdout: string;
  stderr: string;
  /** The --json report (parsed from a second run when the first was text). */
  report?: DoctorReport;
}

/** Runs `pullkey doctor ARGS` in memory, the same command the executables run. */
export async function doctor(
  argv: string[],
  options: { env?: Record<string, string>; http?: HttpClient; cwd?: string } = {},
): Promise<DoctorRun> {
  let stdout = "";
  let stderr = "";
  const io: Io = {
    argv: ["doctor", ...argv],
    env: options.env ?? {},
    cwd: options.cwd ?? tmpdir(),
    readStdin: () => new Uint8Array(),
    stdinIsTTY: true,
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    readFile: (path) => readFile(path),
    fileMode: async (path) => (await stat(path)).mode,
    now: () => new Date(),
    uid: process.getuid?.() ?? 0,
  };
  const status = await doctorCommand(io, argv, ...(options.http ? [options.http] : []));
  const run: DoctorRun = { status, stdout, stderr };
  if (argv.includes("--json") && status !== 2) run.report = JSON.parse(stdout) as DoctorReport;
  return run;
}

/** The line of one check in the text report. */
export function line(run: DoctorRun, id: string): string {
  return (
    run.stdout.split("\n").find((l) => new RegExp(`^\\w+\\s+${id}\\s`).test(l)) ??
    `(no ${id} line in:\n${run.stdout})`
  );
}

/**
 * Builds the plugin bundle into `dir` (as npm run build does, minus the single executable), so a
 * concurrent `npm run build` of dist/ cannot swap the file under a running test.
 */
export async function buildPlugin(dir: string): Promise<string> {
  const root = fileURLToPath(new URL("../..", import.meta.url));
  const outfile = join(dir, "pullkey.cjs");
  await build({
    entryPoints: [join(root, "provider/main.ts")],
    outfile,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    banner: { js: "#!/usr/bin/env node" },
    logLevel: "warning",
    absWorkingDir: root,
  });
  chmodSync(outfile, 0o755);
  return outfile;
}

/** /proc/<pid>/cmdline of the kubelet the healthy kubeadm tree starts, with `flags` last. */
export function cmdline(...flags: string[]): string {
  return `${[
    "/usr/bin/kubelet",
    "--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf",
    "--kubeconfig=/etc/kubernetes/kubelet.conf",
    "--config=/var/lib/kubelet/config.yaml",
    "--container-runtime-endpoint=unix:///run/containerd/containerd.sock",
    ...flags,
  ].join("\0")}\0`;
}

/** The kubelet-* lines of a --json run, as `status: summary`. */
export async function kubeletCheckLines(
  files: Record<string, TreeFile>,
  pullkeyConfig: string,
  image?: string,
): Promise<Record<string, string>> {
  const root = writeTree(tempDir("kubelet"), files);
  const result = await doctor([
    ...(image ? [image] : []),
    "--config",
    pullkeyConfig,
    "--root",
    root,
    "--json",
  ]);
  return Object.fromEntries(
    (result.report?.checks ?? [])
      .filter((c) => c.id.startsWith("kubelet-"))
      .map((c) => [c.id, `${c.status}: ${c.summary}`]),
  );
}
