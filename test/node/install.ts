import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parse } from "yaml";
import { effectiveKubeletCommandLine } from "../../provider/node/command-line.js";
import { ARTIFACTS } from "../e2e/artifacts.js";

/**
 * The node's credential-provider setup comes from `pullkey install --root <tree>` (the generic
 * systemd flavour) on a tree holding the node's kubelet.service, and the kubelet runs with the
 * command line systemd would give it, as the installer's node model (provider/node) computes it.
 * The installer's files are seen by the kubelet at their node paths, bind-mounted from the tree
 * in the node's mount namespace.
 */

/** The single executable: what an operator installs on a node. */
export const PULLKEY = ARTIFACTS[1].path;

const UNIT = "/etc/systemd/system/kubelet.service";

export interface InstalledNode {
  tree: string;
  /** The kubelet's argv, argv[0] first, from the unit and its drop-ins. */
  kubeletArgs: string[];
  /** The kubelet's --image-credential-provider-config and --image-credential-provider-bin-dir. */
  providerConfig: string;
  binDir: string;
  /** pullkey's config, from the provider entry's `--config` argument. */
  pullkeyConfig: string;
  /** Folders to bind from the tree at their node paths. */
  binds: { from: string; to: string }[];
  /** What the installer printed. */
  output: string;
}

/**
 * A node tree holding only the kubelet's unit, for a test that installs pullkey from inside the
 * node (the DaemonSet): /etc/systemd/system is bound from the tree, so the unit is where the
 * installer looks and its drop-in lands in the tree, and /etc/kubernetes (the kubelet's
 * kubeconfig, the CredentialProviderConfig the installer writes).
 */
export async function bareNode(dir: string, unit: string): Promise<InstalledNode> {
  const tree = join(dir, "tree");
  mkdirSync(join(tree, dirname(UNIT)), { recursive: true });
  writeFileSync(join(tree, UNIT), unit);
  const line = await effectiveKubeletCommandLine(tree, { flavour: "systemd" });
  if (line.problems.length > 0) throw new Error(`the kubelet unit: ${line.problems.join("; ")}`);
  return {
    tree,
    kubeletArgs: line.args.map((a) => a.value),
    providerConfig: "",
    binDir: "",
    pullkeyConfig: "",
    binds: [dirname(UNIT), "/etc/kubernetes"].map((to) => {
      mkdirSync(join(tree, to), { recursive: true });
      return { from: join(tree, to), to };
    }),
    output: "",
  };
}

/** Installs pullkey into `<dir>/tree` for a kubelet run by `unit`. */
export async function installPullkey(
  dir: string,
  unit: string,
  args: string[],
): Promise<InstalledNode> {
  const tree = join(dir, "tree");
  mkdirSync(join(tree, dirname(UNIT)), { recursive: true });
  writeFileSync(join(tree, UNIT), unit);
  const result = spawnSync(
    PULLKEY,
    ["install", "--root", tree, "--flavour", "systemd", "--executable", PULLKEY, ...args],
    { encoding: "utf8", timeout: 60_000 },
  );
  const output = `${result.stdout}${result.stderr}`;
  if (result.status !== 0) throw new Error(`pullkey install exited ${result.status}:\n${output}`);
  // The installer's own node model computes what systemd will run: the same code `pullkey
  // install` and `pullkey doctor` trust, here checked by a real kubelet starting with it.
  const line = await effectiveKubeletCommandLine(tree, { flavour: "systemd" });
  if (line.problems.length > 0) throw new Error(`the kubelet unit: ${line.problems.join("; ")}`);
  const kubeletArgs = line.args.map((a) => a.value);
  const providerConfig = line.config?.value;
  const binDir = line.binDir?.value;
  if (!providerConfig || !binDir) {
    throw new Error(
      `the kubelet's command line lacks a credential provider flag: ${kubeletArgs.join(" ")}`,
    );
  }
  const provider = (
    parse(readFileSync(join(tree, providerConfig), "utf8")) as {
      providers: { name: string; args?: string[] }[];
    }
  ).providers.find((p) => p.name === "pullkey");
  const configArg = provider?.args?.indexOf("--config") ?? -1;
  const pullkeyConfig = provider?.args?.[configArg + 1];
  if (configArg < 0 || !pullkeyConfig)
    throw new Error(`no pullkey entry with --config in ${providerConfig}`);
  const binds = [...new Set([dirname(providerConfig), binDir, dirname(pullkeyConfig)])].map(
    (to) => ({ from: join(tree, to), to }),
  );
  for (const b of binds) {
    if (!existsSync(b.from)) throw new Error(`the installer wrote nothing under ${b.to}`);
  }
  return { tree, kubeletArgs, providerConfig, binDir, pullkeyConfig, binds, output };
}
