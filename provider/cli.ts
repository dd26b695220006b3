import { parseArgs } from "node:util";
import { getCommand } from "./commands/get.js";
import { HELP } from "./commands/help.js";
import { pluginCommand } from "./commands/plugin.js";
import { validateCommand } from "./commands/validate.js";
import { errorLine, PullkeyError } from "./errors.js";
import { EXIT_OK, EXIT_USAGE, type Io } from "./io.js";
import { pullkeyVersion } from "./version.js";

/** The options of every command but install, uninstall and doctor (parseArgs). */
export const OPTIONS = {
  config: { type: "string" },
  "api-version": { type: "string" },
  "show-secrets": { type: "boolean" },
  verbose: { type: "boolean", short: "v" },
  "no-cache": { type: "boolean" },
  rule: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** Which options each command takes; anything else is a usage error, not silently ignored. */
const ALLOWED: Record<string, readonly (keyof typeof OPTIONS)[]> = {
  plugin: ["config", "help"],
  get: ["config", "api-version", "show-secrets", "verbose", "no-cache", "help"],
  cache: ["config", "rule", "help"],
  validate: ["config", "help"],
  version: ["help"],
};

/** Runs one pullkey invocation against the given I/O and returns the exit status. */
export async function run(io: Io): Promise<number> {
  // install/uninstall parse their many options themselves, and load only when used, so the
  // plugin's start-up never pays for the installer (or the YAML parser it needs).
  const [first, ...after] = io.argv;
  if (first === "install" || first === "uninstall") {
    const { installCommand } = await import("./commands/install.js");
    return installCommand(io, first, after);
  }
  if (first === "doctor") {
    const { doctorCommand } = await import("./commands/doctor.js");
    return doctorCommand(io, after);
  }
  const kubelet = kubeletArgv(io.argv);
  if (kubelet) return pluginCommand(io, kubelet);
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({
      args: [...io.argv],
      options: OPTIONS,
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    return usage(io, (err as Error).message);
  }
  const { values, positionals } = parsed;
  const [command = "plugin", ...rest] = positionals;
  const allowed = ALLOWED[command];
  if (!allowed) return usage(io, `unknown command ${JSON.stringify(command)}`);
  if (values.help) {
    io.stdout(HELP);
    return EXIT_OK;
  }
  const extra = Object.keys(values).find((key) => !allowed.includes(key as keyof typeof OPTIONS));
  if (extra)
    return usage(
      io,
      `--${extra} does not apply to ${command === "plugin" ? "plugin mode" : command}`,
    );

  switch (command) {
    case "get": {
      const [image, ...more] = rest;
      if (!image || more.length > 0) return usage(io, "get takes exactly one IMAGE");
      return getCommand(io, image, {
        config: values.config,
        apiVersion: values["api-version"],
        showSecrets: values["show-secrets"],
        verbose: values.verbose,
        noCache: values["no-cache"],
      });
    }
    case "cache": {
      const [action, ...more] = rest;
      if ((action !== "list" && action !== "clear") || more.length > 0)
        return usage(io, "cache takes list or clear");
      if (action === "list" && values.rule !== undefined)
        return usage(io, "--rule applies to cache clear only");
      const { cacheCommand } = await import("./commands/cache.js");
      return cacheCommand(io, action, { config: values.config, rule: values.rule });
    }
    case "validate":
      if (rest.length > 0) return usage(io, "validate takes no arguments");
      return validateCommand(io, { config: values.config });
    case "version":
      io.stdout(`pullkey ${pullkeyVersion()} (node ${process.version})\n`);
      return EXIT_OK;
    default:
      if (rest.length > 0 || positionals.length > 0)
        return usage(io, "plugin mode takes no arguments");
      return pluginCommand(io, { config: values.config });
  }
}

/**
 * The kubelet's exec of plugin mode, `pullkey --config FILE` as the installer writes it or no
 * argument at all, read without parseArgs: its first use loads node:util's parser modules, a
 * millisecond of every exec. Undefined for any other argv, which parseArgs reads; for these two
 * shapes parseArgs gives the same (test/unit/cli-argv.test.ts checks it on random argv).
 */
export function kubeletArgv(argv: readonly string[]): { config: string | undefined } | undefined {
  if (argv.length === 0) return { config: undefined };
  const [flag, value] = argv;
  // parseArgs refuses a value starting with "-" as ambiguous (a forgotten value): leave it that.
  if (argv.length === 2 && flag === "--config" && value !== undefined && !value.startsWith("-"))
    return { config: value };
  return undefined;
}

function usage(io: Io, problem: string): number {
  io.stderr(`${errorLine(new PullkeyError("USAGE", `${problem} (see pullkey --help)`))}\n`);
  return EXIT_USAGE;
}
