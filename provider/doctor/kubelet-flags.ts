import { errorLine } from "../errors.js";
import { effectiveKubeletCommandLine, type KubeletCommandLine } from "../node/command-line.js";
import { guessFlavour } from "../node/flavour.js";
import type { NodeFs } from "../node/fs.js";
import {
  BIN_DIR_FLAG,
  CONFIG_FLAG,
  describeOrigin,
  type FlagValue,
  flagValue,
} from "../node/origin.js";
import { commandLineDifference, type RunningKubelet, runningKubelets } from "../node/running.js";
import type { CheckResult } from "./report.js";

/**
 * The `kubelet-flags` check, from the node model install uses: the kubelet's command line as
 * its init system builds it from the files, cross-checked with a running kubelet's
 * /proc/<pid>/cmdline. The running process is what holds now; the files are what holds after
 * the next restart; a difference between them is reported.
 */

export interface KubeletFlags {
  check: CheckResult;
  config?: string;
  binDir?: string;
  /** The kubelet's --kubeconfig (its API server credentials), when it has one. */
  kubeconfig?: string;
}

/** Works out the two flags and reports them as one check. */
export async function kubeletFlagsCheck(fs: NodeFs): Promise<KubeletFlags> {
  const id = "kubelet-flags";
  const flavour = await guessFlavour(fs);
  const running = (await runningKubelets(fs)).find((p) => !p.embedded);
  if (!flavour && !running) {
    return {
      check: {
        id,
        status: "skip",
        summary:
          "no kubelet on this node (no kubelet.service, kubeadm, k3s, RKE2 or EKS files, no kubelet process in /proc): run doctor on a node, or pass --root for a copy of one",
      },
    };
  }
  let line: KubeletCommandLine | undefined;
  if (flavour) {
    try {
      line = await effectiveKubeletCommandLine(fs, { flavour });
    } catch (err) {
      const why = errorLine(err).replace(/^pullkey: (\w+: )?/, "");
      return {
        check: { id, status: "fail", summary: `cannot read the kubelet's command line: ${why}` },
      };
    }
  }
  const fromProcess = running ? processFlags(running) : undefined;
  const config = fromProcess ? fromProcess.config : line?.config;
  const binDir = fromProcess ? fromProcess.binDir : line?.binDir;
  const kubeconfig = running
    ? flagValue(asArgs(running.argv), KUBECONFIG_FLAG)
    : line && flagValue(line.args, KUBECONFIG_FLAG);
  const extras: string[] = [];
  let worst: CheckResult["status"] = "ok";
  if (running && line && line.args.length > 0) {
    const pending = pendingText(
      line,
      running,
      line.service?.sources.some((s) => s.assumed),
    );
    if (pending) {
      extras.push(pending);
      worst = "warn";
    }
  }
  for (const problem of line?.problems ?? []) {
    extras.push(problem);
    worst = "fail";
  }
  extras.push(...(line?.notes ?? []));
  const tail = extras.length > 0 ? `; ${extras.join("; ")}` : "";
  const values = {
    ...(config ? { config: config.value } : {}),
    ...(binDir ? { binDir: binDir.value } : {}),
    ...(kubeconfig ? { kubeconfig: kubeconfig.value } : {}),
  };
  if (config && binDir) {
    const where =
      config.origin === binDir.origin ||
      describeOrigin(config.origin) === describeOrigin(binDir.origin)
        ? `from ${describeOrigin(config.origin)}`
        : `from ${describeOrigin(config.origin)} and ${describeOrigin(binDir.origin)}`;
    return {
      check: {
        id,
        status: worst,
        summary: `${CONFIG_FLAG}=${config.value} and ${BIN_DIR_FLAG}=${binDir.value} (${where})${tail}`,
      },
      ...values,
    };
  }
  const rancher = line?.rancher;
  if (!fromProcess && rancher && !rancher.passed && !config && !binDir) {
    const kinds = await Promise.all([fs.kind(rancher.config.value), fs.kind(rancher.binDir.value)]);
    return {
      check: {
        id,
        status: "fail",
        summary: `${rancher.flavour} passes ${CONFIG_FLAG}=${rancher.config.value} and ${BIN_DIR_FLAG}=${rancher.binDir.value} to its kubelet only while the first is a regular file and the second a folder (now: ${kinds[0]?.type ?? "missing"} and ${kinds[1]?.type ?? "missing"})${tail}`,
      },
    };
  }
  const one = config ?? binDir;
  if (one) {
    const [set, missing] = config ? [CONFIG_FLAG, BIN_DIR_FLAG] : [BIN_DIR_FLAG, CONFIG_FLAG];
    return {
      check: {
        id,
        status: "fail",
        summary: `only ${set}=${one.value} is set (in ${describeOrigin(one.origin)}); without ${missing} the kubelet refuses to start${tail}`,
      },
      ...values,
    };
  }
  const lookedAt = fromProcess
    ? `the running kubelet (pid ${running?.pid})`
    : `${line?.unit ?? "the kubelet unit"} and the files it reads`;
  return {
    check: {
      id,
      status: "fail",
      summary: `neither ${CONFIG_FLAG} nor ${BIN_DIR_FLAG} is set (looked at ${lookedAt}): the kubelet never runs credential providers${tail}`,
    },
  };
}

const KUBECONFIG_FLAG = "--kubeconfig";

const asArgs = (argv: readonly string[]) =>
  argv.map((value) => ({ value, origin: { file: "", line: 0 } }));

function processFlags(running: RunningKubelet): { config?: FlagValue; binDir?: FlagValue } {
  const origin = { file: `the running kubelet (pid ${running.pid})`, line: 0, builtIn: true };
  const args = running.argv.map((value) => ({ value, origin }));
  const config = flagValue(args, CONFIG_FLAG);
  const binDir = flagValue(args, BIN_DIR_FLAG);
  return { ...(config ? { config } : {}), ...(binDir ? { binDir } : {}) };
}

/** What the files say that the running kubelet does not run with, or undefined when they agree. */
function pendingText(
  line: KubeletCommandLine,
  running: RunningKubelet,
  assumed: boolean | undefined,
): string | undefined {
  const diff = commandLineDifference(line.args, running.argv);
  if (diff.notRunning.length === 0 && diff.notInFiles.length === 0) return undefined;
  const parts: string[] = [];
  for (const [flag, value] of [
    [CONFIG_FLAG, line.config],
    [BIN_DIR_FLAG, line.binDir],
  ] as const) {
    const now = flagValue(
      running.argv.map((v) => ({ value: v, origin: { file: "", line: 0 } })),
      flag,
    );
    if (value && value.value !== now?.value) {
      parts.push(`${flag}=${value.value} (in ${describeOrigin(value.origin)})`);
    }
  }
  // Words from an assumed packaged unit are a guess: only the two flags are compared then.
  const notFlag = (w: string) => !w.startsWith(CONFIG_FLAG) && !w.startsWith(BIN_DIR_FLAG);
  const listed = (words: string[]) =>
    `${words.slice(0, 4).join(" ")}${words.length > 4 ? " …" : ""}`;
  const filesOnly = assumed ? [] : diff.notRunning.filter(notFlag);
  const processOnly = assumed ? [] : diff.notInFiles.filter(notFlag);
  const others = [
    ...(filesOnly.length > 0 ? [`only in the files: ${listed(filesOnly)}`] : []),
    ...(processOnly.length > 0 ? [`only in the process: ${listed(processOnly)}`] : []),
  ];
  const flagsPart =
    parts.length > 0
      ? `the files set ${parts.join(" and ")}, which the running kubelet (pid ${running.pid}) does not have yet`
      : undefined;
  const othersPart =
    others.length > 0
      ? `the running kubelet (pid ${running.pid}) differs from the command line the files give (${others.join("; ")})`
      : undefined;
  if (!flagsPart && !othersPart) return undefined;
  return `${[flagsPart, othersPart].filter(Boolean).join("; ")}: restart the kubelet, or check that these are the files its unit reads`;
}
