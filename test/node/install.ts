import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parse } from "yaml";
import { ARTIFACTS } from "../e2e/artifacts.js";

/**
 * The node's credential-provider setup comes from `pullkey install --root <tree>` (the generic
 * systemd flavour) on a tree holding the node's kubelet.service, and the kubelet runs with the
 * command line systemd would give it: the unit's ExecStart as pullkey's drop-in overrides it.
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

/** Installs pullkey into `<dir>/tree` for a kubelet run by `unit`. */
export function installPullkey(dir: string, unit: string, args: string[]): InstalledNode {
  const tree = join(dir, "tree");
  mkdirSync(join(tree, dirname(UNIT)), { recursive: true });
  writeFileSync(join(tree, UNIT), unit);
  const output = execFileSync(
    PULLKEY,
    ["install", "--root", tree, "--flavour", "systemd", "--executable", PULLKEY, ...args],
    { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
  );
  const kubeletArgs = effectiveCommandLine(tree);
  const flag = (name: string) => {
    const prefix = `${name}=`;
    const value = kubeletArgs.find((a) => a.startsWith(prefix))?.slice(prefix.length);
    if (!value)
      throw new Error(`the kubelet's command line has no ${name}: ${kubeletArgs.join(" ")}`);
    return value;
  };
  const providerConfig = flag("--image-credential-provider-config");
  const binDir = flag("--image-credential-provider-bin-dir");
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

/**
 * The kubelet's argv from the unit and its drop-ins (in name order): the last ExecStart= wins,
 * an empty one resets. Enough systemd for the plain words these units hold; the installer's
 * node model (provider/node) does the full job.
 */
function effectiveCommandLine(tree: string): string[] {
  const dropIns = join(tree, `${UNIT}.d`);
  const texts = [
    readFileSync(join(tree, UNIT), "utf8"),
    ...(existsSync(dropIns)
      ? readdirSync(dropIns)
          .filter((f) => f.endsWith(".conf"))
          .sort()
          .map((f) => readFileSync(join(dropIns, f), "utf8"))
      : []),
  ];
  let exec = "";
  for (const text of texts) {
    for (const line of text.replace(/\\\n/g, " ").split("\n")) {
      const m = /^ExecStart\s*=\s*(.*)$/.exec(line.trim());
      if (m) exec = (m[1] ?? "").trim();
    }
  }
  if (exec === "") throw new Error("the kubelet unit has no ExecStart");
  return exec.split(/\s+/);
}
