import { PullkeyError } from "../errors.js";
import type { KubeletCommandLine } from "../node/command-line.js";
import { parseExecLine } from "../node/exec-line.js";
import { EKS_ENV, KUBEADM_FLAGS_ENV } from "../node/stock-units.js";
import { UNIT_DIRS } from "../node/systemd.js";

/**
 * Where the installer adds the two kubelet flags on a systemd node, chosen from the kubelet's
 * effective command line so the words land where systemd takes them: a `$VAR` of the effective
 * ExecStart set by an environment file the operator owns (kubeadm's KUBELET_EXTRA_ARGS,
 * kubespray's KUBELET_ARGS), else a drop-in that repeats the ExecStart with the flags appended.
 */

export type FlagTarget =
  | { kind: "env-file"; path: string; variable: string }
  | { kind: "drop-in"; path: string; execStart: string };

export const DROP_IN_NAME = "90-pullkey-credential-provider.conf";
export const DROP_IN_PATH = `/etc/systemd/system/kubelet.service.d/${DROP_IN_NAME}`;

/** Files other tools regenerate (kubeadm join/upgrade, nodeadm at boot): never edited. */
const GENERATED = new Set([KUBEADM_FLAGS_ENV, EKS_ENV]);

/** Folders whose files belong to packages or vanish at reboot, not to the operator. */
function operatorOwned(path: string): boolean {
  if (GENERATED.has(path)) return false;
  return !["/run/", "/usr/", "/lib/"].some((prefix) => path.startsWith(prefix));
}

/** Picks the file and variable (or the drop-in) for the missing flags; refuses with the reason. */
export function chooseFlagTarget(line: KubeletCommandLine, words: readonly string[]): FlagTarget {
  const service = line.service;
  const exec = service?.execStart;
  if (!service || !exec) {
    throw new PullkeyError(
      "USAGE",
      `cannot add the kubelet flags: ${line.unit} has no ExecStart= (looked in ${UNIT_DIRS.join(", ")})`,
    );
  }
  const parsed = parseExecLine(exec.value);
  const referenced = parsed.expand
    ? parsed.words.flatMap((w) => /^\$([A-Za-z_][A-Za-z0-9_]*)$/.exec(w)?.[1] ?? [])
    : [];
  const lastEnvFile = [...service.envFiles]
    .reverse()
    .find((ref) => operatorOwned(ref.path) && (ref.exists || ref.optional));
  const candidates: { variable: string; path: string; rank: number }[] = [];
  referenced.forEach((variable, position) => {
    const set = service.env.get(variable);
    const fromFile = set && service.envFiles.some((ref) => ref.path === set.origin.file);
    let path: string | undefined;
    if (set === undefined) path = lastEnvFile?.path;
    else if (fromFile && operatorOwned(set.origin.file)) path = set.origin.file;
    if (path === undefined) return;
    // KUBELET_EXTRA_ARGS is the documented place (kubeadm, EKS); then other *ARGS variables,
    // preferring one already set in a file, then the later one on the line.
    const rank =
      (variable === "KUBELET_EXTRA_ARGS" ? 1000 : 0) +
      (/ARGS$/.test(variable) ? 100 : 0) +
      (set ? 10 : 0) +
      position / 100;
    candidates.push({ variable, path, rank });
  });
  const best = candidates.sort((a, b) => b.rank - a.rank)[0];
  if (best && /ARGS$/.test(best.variable)) {
    return { kind: "env-file", path: best.path, variable: best.variable };
  }
  // A drop-in sorting after pullkey's that sets ExecStart would replace pullkey's line.
  const from = exec.origin.file;
  const name = from.slice(from.lastIndexOf("/") + 1);
  if (from.includes(".service.d/") && name > DROP_IN_NAME) {
    throw new PullkeyError(
      "USAGE",
      `${from}:${exec.origin.line} sets the kubelet's ExecStart and sorts after pullkey's drop-in ${DROP_IN_NAME}, so flags added there would never reach the kubelet; add ${words.join(" ")} to that ExecStart (or to a variable it expands from an EnvironmentFile) and run install again`,
    );
  }
  return { kind: "drop-in", path: DROP_IN_PATH, execStart: exec.value };
}

/** The drop-in that restarts the kubelet with the flags appended to its ExecStart. */
export function renderDropIn(execStart: string, words: readonly string[]): string {
  return [
    "# Written by the pullkey installer: the kubelet's ExecStart with the credential provider",
    "# flags appended. `pullkey uninstall` removes this file.",
    "[Service]",
    "ExecStart=",
    `ExecStart=${execStart} ${words.join(" ")}`,
    "",
  ].join("\n");
}
