import { spawnSync } from "node:child_process";
import { isAbsolute, resolve } from "node:path";
import { parseArgs } from "node:util";
import { errorLine, PullkeyError } from "../errors.js";
import { readNamedFile } from "../files.js";
import { parseGoDuration } from "../gocompat/duration.js";
import { applyChanges, cleanUp } from "../install/apply.js";
import { unifiedDiff } from "../install/diff.js";
import type { TokenOptions } from "../install/entry.js";
import { FLAVOURS, type Flavour } from "../install/flavours.js";
import { type NodeFs, rootedFs, sha256 } from "../install/fs.js";
import type { ExecEnvVar } from "../install/kubelet-config/decode.js";
import { CACHE_TYPES } from "../install/kubelet-config/validate.js";
import { type FileChange, type InstallOptions, type Plan, planInstall } from "../install/plan.js";
import { planUninstall } from "../install/uninstall.js";
import { EXIT_OK, exitStatusFor, type Io } from "../io.js";
import { API_GROUP } from "../protocol/api.js";

/** Runs a command on the node (systemctl, kubelet --version); injected so tests never do. */
export type RunCommand = (argv: readonly string[]) => { status: number | null; stdout: string };

export interface InstallDeps {
  fs?: (root: string) => NodeFs;
  run?: RunCommand;
}

/** Every option of `pullkey install`; `uninstall` takes the few in UNINSTALL_ALLOWED. */
export const INSTALL_OPTIONS = {
  root: { type: "string" },
  flavour: { type: "string" },
  name: { type: "string" },
  executable: { type: "string" },
  "pullkey-config": { type: "string" },
  "docker-config": { type: "string" },
  "secret-file": { type: "string", multiple: true },
  registry: { type: "string", multiple: true },
  "cache-duration": { type: "string" },
  "match-image": { type: "string", multiple: true },
  "default-cache-duration": { type: "string" },
  "provider-api-version": { type: "string" },
  env: { type: "string", multiple: true },
  "keep-env": { type: "string", multiple: true },
  "token-audience": { type: "string" },
  "token-cache-type": { type: "string" },
  "require-service-account": { type: "string" },
  "required-annotation": { type: "string", multiple: true },
  "optional-annotation": { type: "string", multiple: true },
  "bin-dir": { type: "string" },
  "kubelet-config": { type: "string" },
  "drop-in": { type: "boolean" },
  "kubelet-version": { type: "string" },
  force: { type: "boolean" },
  "dry-run": { type: "boolean" },
  restart: { type: "boolean" },
  "restart-via": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** What makes a systemd kubelet read its config again, when the flavour cannot be told. */
const DEFAULT_RESTART = [
  ["systemctl", "daemon-reload"],
  ["systemctl", "restart", "kubelet"],
];

const UNINSTALL_ALLOWED = new Set(["root", "dry-run", "restart", "restart-via", "help"]);

/**
 * How a DaemonSet pod reaches the host's systemd: enter PID 1's namespaces (the pod needs
 * hostPID and privileges).
 */
const NSENTER = ["nsenter", "--target", "1", "--mount", "--uts", "--ipc", "--net", "--pid", "--"];

export const INSTALL_HELP = `Usage:
  pullkey install --executable FILE (--pullkey-config FILE | --docker-config FILE [--registry HOST]...)
                  [--flavour ${FLAVOURS.join("|")}] [--root DIR] [--dry-run] [--restart]
  pullkey uninstall [--root DIR] [--dry-run] [--restart]

Install options:
  --executable FILE              the pullkey executable to copy into the kubelet's bin dir
  --pullkey-config FILE          pullkey's config, copied to /etc/pullkey/config.yaml (or .json)
  --docker-config FILE           generate a config serving a docker config.json (copied, 0600)
  --secret-file FILE             a file the config reads (Vault role id, CA bundle): copied to
                                 /etc/pullkey/<its name>, 0600 (repeatable)
  --registry HOST                registries the docker config serves (default: Docker Hub)
  --cache-duration D             cacheDuration of the generated rule
  --name NAME                    provider name and executable name (default pullkey)
  --match-image PATTERN          kubelet matchImages (default: the patterns of pullkey's rules)
  --default-cache-duration D     the entry's defaultCacheDuration (default 10m)
  --provider-api-version V       v1 (default), v1beta1 or v1alpha1
  --env NAME=VALUE               extra environment for the exec (repeatable)
  --keep-env NAME                do not neutralise NAME (NODE_OPTIONS, NODE_EXTRA_CA_CERTS, ...)
  --token-audience AUD           KEP-4412 service account token mode, with --token-cache-type
  --token-cache-type T           ${CACHE_TYPES.join(" or ")}
  --require-service-account B    true (default) or false
  --required-annotation KEY, --optional-annotation KEY   service account annotations to pass
  --bin-dir DIR, --kubelet-config PATH   paths, when the kubelet has no flags for them yet
  --drop-in                      write pullkey's entry as its own file in a config folder (1.34+)
  --kubelet-version 1.N          the kubelet's version (default: kubelet --version when --root is /)
  --force                        replace a provider entry of the same name not written by pullkey
  --dry-run                      print the diff of every file, change nothing
  --restart                      restart the kubelet (or k3s/rke2) when something changed
  --restart-via nsenter          from a privileged hostPID pod: run the restart in the host's namespaces
  --root DIR                     operate on DIR as if it were / (for tests and images)
`;

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

type Values = ReturnType<
  typeof parseArgs<{ options: typeof INSTALL_OPTIONS; allowPositionals: false }>
>["values"];

async function installOptions(
  io: Io,
  v: Values,
  root: string,
  run: RunCommand,
): Promise<InstallOptions> {
  // The executable (~105 MiB) is the one file pullkey reads past the 1 MiB every other file gets.
  const hostFile = async (path: string, what: string, limit?: number) => {
    const abs = isAbsolute(path) ? path : resolve(io.cwd, path);
    const read = (file: string) => io.readFile(file, limit);
    return { bytes: await readNamedFile(read, abs, what, "USAGE"), from: abs };
  };
  if (!v.executable)
    throw new PullkeyError(
      "USAGE",
      "install needs --executable FILE (scripts/install.sh passes it)",
    );
  const executable = await hostFile(v.executable, "executable", 1024 * 1024 * 1024);
  const flavour = v.flavour;
  if (flavour !== undefined && !(FLAVOURS as readonly string[]).includes(flavour)) {
    throw new PullkeyError("USAGE", `--flavour ${flavour} is not one of ${FLAVOURS.join(", ")}`);
  }
  const defaultCacheDuration = v["default-cache-duration"] ?? "10m";
  const parsedDuration = parseGoDuration(defaultCacheDuration);
  if ("error" in parsedDuration || parsedDuration.value < 0) {
    throw new PullkeyError(
      "USAGE",
      `--default-cache-duration ${defaultCacheDuration} is not a Go duration such as 10m or 1h`,
    );
  }
  const apiVersion = v["provider-api-version"] ?? "v1";
  if (!["v1", "v1beta1", "v1alpha1"].includes(apiVersion)) {
    throw new PullkeyError(
      "USAGE",
      `--provider-api-version ${apiVersion} is not one of v1, v1beta1, v1alpha1`,
    );
  }
  const env: ExecEnvVar[] = (v.env ?? []).map((pair) => {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new PullkeyError("USAGE", `--env ${pair} is not NAME=VALUE`);
    return { name: pair.slice(0, eq), value: pair.slice(eq + 1) };
  });
  return {
    flavour: flavour as Flavour | undefined,
    name: v.name ?? "pullkey",
    executable,
    pullkeyConfig: v["pullkey-config"]
      ? await hostFile(v["pullkey-config"], "pullkey config")
      : undefined,
    secretFiles: await Promise.all(
      (v["secret-file"] ?? []).map((path) => hostFile(path, "secret file")),
    ),
    sourceFlags: {
      dockerConfig: v["docker-config"]
        ? await hostFile(v["docker-config"], "docker config")
        : undefined,
      registries: v.registry ?? [],
      cacheDuration: v["cache-duration"],
    },
    matchImages: v["match-image"] ?? [],
    defaultCacheDuration,
    providerApiVersion: `${API_GROUP}/${apiVersion}`,
    env,
    keepEnv: v["keep-env"] ?? [],
    token: tokenOptions(v),
    binDir: v["bin-dir"],
    kubeletConfig: v["kubelet-config"],
    dropIn: v["drop-in"] ?? false,
    kubeletMinor: kubeletMinor(v["kubelet-version"], root, run, v["restart-via"]),
    force: v.force ?? false,
  };
}

function tokenOptions(v: Values): TokenOptions | undefined {
  const audience = v["token-audience"];
  const tokenFlags = [
    "token-cache-type",
    "require-service-account",
    "required-annotation",
    "optional-annotation",
  ] as const;
  if (audience === undefined) {
    const stray = tokenFlags.find((f) => v[f] !== undefined);
    if (stray) throw new PullkeyError("USAGE", `--${stray} needs --token-audience`);
    return undefined;
  }
  const cacheType = v["token-cache-type"];
  if (cacheType !== "ServiceAccount" && cacheType !== "Token") {
    throw new PullkeyError(
      "USAGE",
      `--token-audience needs --token-cache-type ${CACHE_TYPES.join(" or ")} (required by kubelet 1.34+)`,
    );
  }
  const require = v["require-service-account"] ?? "true";
  if (require !== "true" && require !== "false") {
    throw new PullkeyError("USAGE", `--require-service-account ${require} is not true or false`);
  }
  return {
    audience,
    cacheType,
    requireServiceAccount: require === "true",
    requiredAnnotationKeys: v["required-annotation"] ?? [],
    optionalAnnotationKeys: v["optional-annotation"] ?? [],
  };
}

/** The kubelet's minor version: --kubelet-version, else `kubelet --version` on the host. */
function kubeletMinor(
  flag: string | undefined,
  root: string,
  run: RunCommand,
  via: string | undefined,
): number | undefined {
  const host = root === "/" ? [] : via === "nsenter" ? NSENTER : undefined;
  const text = flag ?? (host ? run([...host, "kubelet", "--version"]).stdout : undefined);
  if (text === undefined || text === "") return undefined;
  const m = /v?1\.(\d+)/.exec(text);
  if (!m) {
    if (flag !== undefined)
      throw new PullkeyError("USAGE", `--kubelet-version ${flag} is not like 1.34`);
    return undefined;
  }
  return Number(m[1]);
}

function defaultRun(argv: readonly string[]): { status: number | null; stdout: string } {
  const [command = "", ...args] = argv;
  const result = spawnSync(command, args, { encoding: "utf8", timeout: 120_000 });
  return { status: result.error ? null : result.status, stdout: result.stdout ?? "" };
}

/** One file's part of the dry-run output. Secrets and executables are summarised, never shown. */
export function describeChange(change: FileChange): string {
  const text = (bytes: Uint8Array | undefined) =>
    bytes === undefined ? undefined : new TextDecoder().decode(bytes);
  if (change.role === "executable" || change.role === "secret") {
    const what = change.role === "secret" ? "secret, contents not shown" : "executable";
    const side = (bytes: Uint8Array | undefined) =>
      bytes === undefined
        ? "absent"
        : `${bytes.length} bytes, sha256 ${sha256(bytes).slice(0, 16)}`;
    return `--- ${change.path} (${what})\n    ${side(change.before)} -> ${side(change.after)}${change.after ? `, mode ${change.mode.toString(8)}` : ""}\n`;
  }
  return unifiedDiff(change.path, text(change.before), text(change.after));
}
