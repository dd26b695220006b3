import { resolve } from "node:path";
import { locateConfig, readConfig } from "../config/read.js";
import { errorLine, PullkeyError } from "../errors.js";
import { describeFsError } from "../files.js";
import { formatGoDuration } from "../gocompat/duration.js";
import { EXIT_OK, exitStatusFor, type Io } from "../io.js";
import { describeSpec, sourceFiles } from "../sources/index.js";
import { filePermissionWarnings } from "./file-checks.js";

/**
 * `pullkey validate`: checks the config as the plugin will read it, plus that every file a source
 * names can be read (contents are not shown). Errors go to stderr, one per line.
 */
export async function validateCommand(
  io: Io,
  options: { config?: string | undefined },
): Promise<number> {
  try {
    const located = locateConfig(options.config, io.env, io.cwd);
    const { config, warnings } = await readConfig(located.path, located.origin, io.readFile);
    const unreadable: string[] = [];
    await Promise.all(
      config.rules.flatMap((rule, i) =>
        sourceFiles(rule.source).map(async (file) => {
          const path = resolve(config.baseDir, file.path);
          try {
            await io.readFile(path);
          } catch (err) {
            unreadable.push(
              `rules[${i}].source.${file.field}: cannot read ${path}: ${describeFsError(err)}`,
            );
          }
        }),
      ),
    );
    for (const warning of [...warnings, ...(await filePermissionWarnings(io, config))]) {
      io.stderr(`pullkey: warning: ${warning}\n`);
    }
    if (unreadable.length > 0) {
      throw new PullkeyError(
        "CONFIG_INVALID",
        `config ${config.file}: ${unreadable.sort().join("; ")}`,
      );
    }
    const lines = config.rules.map(
      (rule) =>
        `  ${rule.name}: ${rule.match.join(", ")} -> ${describeSpec(rule.source)} (cache ${formatGoDuration(rule.cacheDurationMs)})`,
    );
    io.stdout(
      `config ${config.file} is valid: ${config.rules.length} rule${config.rules.length === 1 ? "" : "s"}, unmatched images: ${config.unmatched}\n${lines.join("\n")}\n`,
    );
    return EXIT_OK;
  } catch (err) {
    io.stderr(`${errorLine(err)}\n`);
    return exitStatusFor(err);
  }
}
