import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { errorLine, PullkeyError } from "../errors.js";
import { applyChanges, cleanUp } from "../install/apply.js";
import { describeChange } from "../install/dry-run.js";
import { type Plan, planInstall } from "../install/plan.js";
import { planUninstall } from "../install/uninstall.js";
import { EXIT_OK, exitStatusFor, type Io } from "../io.js";
import { type NodeFs, rootedFs } from "../node/fs.js";
import {
  DEFAULT_RESTART,
  INSTALL_HELP,
  INSTALL_OPTIONS,
  installOptions,
  NSENTER,
  type RunCommand,
  UNINSTALL_ALLOWED,
} from "./install-options.js";

export { INSTALL_HELP, INSTALL_OPTIONS, type RunCommand } from "./install-options.js";

export interface InstallDeps {
  fs?: (root: string) => NodeFs;
  run?: RunCommand;
}

/** `pullkey install` / `pullkey uninstall`: everything scripts/install.sh delegates. */
export async function installCommand(
  io: Io,
  command: "install" | "uninstall",
  argv: readonly string[],
  deps: InstallDeps = {},
): Promise<number> {
  try {
    let parsed: ReturnType<
      typeof parseArgs<{ options: typeof INSTALL_OPTIONS; allowPositionals: false }>
    >;
    try {
      parsed = parseArgs({
        args: [...argv],
        options: INSTALL_OPTIONS,
        allowPositionals: false,
        strict: true,
      });
    } catch (err) {
      throw new PullkeyError("USAGE", `${(err as Error).message} (see pullkey ${command} --help)`);
    }
    const v = parsed.values;
    if (v.help) {
      io.stdout(INSTALL_HELP);
      return EXIT_OK;
    }
    if (command === "uninstall") {
      const extra = Object.keys(v).find((key) => !UNINSTALL_ALLOWED.has(key));
      if (extra) throw new PullkeyError("USAGE", `--${extra} does not apply to uninstall`);
    }
    const via = v["restart-via"];
    if (via !== undefined && via !== "nsenter") {
      throw new PullkeyError("USAGE", `--restart-via ${via}: the one way supported is nsenter`);
    }
    const root = resolve(io.cwd, v.root ?? "/");
    const fs = (deps.fs ?? rootedFs)(root);
    const run = deps.run ?? defaultRun;
    const now = io.now();
    let plan: Plan;
    let dirs: string[] = [];
    if (command === "install") {
      plan = await planInstall(fs, await installOptions(io, v, root, run), now);
    } else {
      const uninstall = await planUninstall(fs);
      if (uninstall.nothing) {
        // Idempotent: a DaemonSet rollback re-run, or a node never installed, is not an error.
        io.stderr(`pullkey: uninstall: ${uninstall.nothing}\n`);
        return EXIT_OK;
      }
      plan = uninstall;
      dirs = uninstall.dirs;
    }
    for (const warning of plan.warnings) io.stderr(`pullkey: warning: ${warning}\n`);
    for (const note of plan.notes) io.stderr(`pullkey: note: ${note}\n`);
    if (v["dry-run"]) {
      io.stdout(plan.changes.map(describeChange).join(""));
      io.stderr(
        `pullkey: dry run: ${plan.changes.length === 0 ? "nothing would change" : `${plan.changes.length} file(s) would change`}\n`,
      );
      return EXIT_OK;
    }
    if (plan.changes.length === 0) {
      io.stderr(`pullkey: ${command}: nothing to change\n`);
      return EXIT_OK;
    }
    const host = root === "/" ? [] : via === "nsenter" ? NSENTER : undefined;
    const { backups } = await applyChanges(fs, plan.changes, now, {
      backup: command === "install",
      // Run the copied executable from the bin dir before the kubelet is pointed at it: a
      // noexec mount or a foreign architecture shows up here, not as failed pulls later.
      afterWrite: async (change) => {
        if (change.role !== "executable" || change.after === undefined || !host) return;
        const result = run([...host, change.path, "version"]);
        if (result.status !== 0) {
          throw new PullkeyError(
            "INTERNAL",
            `${change.path} does not run on this node (is its folder mounted noexec?); the kubelet's config was left unchanged, and pullkey uninstall takes out what was written`,
          );
        }
      },
    });
    if (command === "uninstall") await cleanUp(fs, dirs);
    for (const change of plan.changes) {
      io.stderr(
        `pullkey: ${change.after === undefined ? "removed" : change.before === undefined ? "created" : "updated"} ${change.path}\n`,
      );
    }
    for (const backup of backups) io.stderr(`pullkey: backup ${backup}\n`);
    const restart = plan.layout?.restart ?? DEFAULT_RESTART;
    // The kubelet reads only its CredentialProviderConfig and flags at start-up; pullkey reads
    // its own config and secrets on every exec, so changing those needs no restart.
    if (!plan.changes.some((c) => c.role === "kubelet-config" || c.role === "flags")) {
      io.stderr(
        "pullkey: no kubelet restart needed: pullkey reads its config and secrets on every pull\n",
      );
      return EXIT_OK;
    }
    if (v.restart) {
      if (root !== "/" && via === undefined) {
        io.stderr(
          `pullkey: not restarting with --root ${root}; on the node run: ${restart.map((c) => c.join(" ")).join(" && ")}\n`,
        );
      } else {
        for (const command of restart) {
          const argv = via === "nsenter" ? [...NSENTER, ...command] : command;
          const result = run(argv);
          if (result.status !== 0) {
            throw new PullkeyError(
              "INTERNAL",
              `${argv.join(" ")} failed with status ${result.status}`,
            );
          }
        }
        io.stderr(`pullkey: restarted: ${restart.map((c) => c.join(" ")).join(" && ")}\n`);
      }
    } else {
      io.stderr(
        `pullkey: the kubelet reads this at start-up: ${restart.map((c) => c.join(" ")).join(" && ")} (or pass --restart)\n`,
      );
    }
    return EXIT_OK;
  } catch (err) {
    io.stderr(`${errorLine(err)}\n`);
    return exitStatusFor(err);
  }
}

function defaultRun(argv: readonly string[]): { status: number | null; stdout: string } {
  const [command = "", ...args] = argv;
  const result = spawnSync(command, args, { encoding: "utf8", timeout: 120_000 });
  return { status: result.error ? null : result.status, stdout: result.stdout ?? "" };
}
