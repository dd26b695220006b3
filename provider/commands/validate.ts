import { resolve } from "node:path";
import type { Config } from "../config/config.js";
import { filePermissionWarnings } from "../config/file-checks.js";
import { locateConfig, readConfig } from "../config/read.js";
import { errorLine, PullkeyError } from "../errors.js";
import { describeFsError } from "../files.js";
import { formatGoDuration } from "../gocompat/duration.js";
import { EXIT_OK, exitStatusFor, type Io } from "../io.js";
import type { DockerConfigNote } from "../sources/docker-config/notes.js";
import { ruleStoreNotes } from "../sources/docker-config/rule-notes.js";
import { describeSpec, sourceFiles } from "../sources/index.js";

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
    const storeNotes = await credentialStoreNotesByRule(io, config);
    const storeWarnings: string[] = [];
    for (const [i, notes] of storeNotes) {
      for (const note of notes) {
        if (note.level === "error") unreadable.push(`rules[${i}].source: ${note.message}`);
        if (note.level === "warning") storeWarnings.push(`rules[${i}].source: ${note.message}`);
      }
    }
    for (const warning of [
      ...warnings,
      ...storeWarnings,
      ...(await filePermissionWarnings(io, config)),
    ]) {
      io.stderr(`pullkey: warning: ${warning}\n`);
    }
    if (unreadable.length > 0) {
      throw new PullkeyError(
        "CONFIG_INVALID",
        `config ${config.file}: ${unreadable.sort().join("; ")}`,
      );
    }
    const lines = config.rules.map((rule, i) =>
      [
        `  ${rule.name}: ${rule.match.join(", ")} -> ${describeSpec(rule.source)} (cache ${formatGoDuration(rule.cacheDurationMs)})`,
        ...(storeNotes.get(i) ?? [])
          .filter((note) => note.level === "info")
          .map((note) => `    ${note.message}`),
      ].join("\n"),
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

/** Credential-store notes for each dockerConfig rule whose file can be read, by rule index. */
async function credentialStoreNotesByRule(
  io: Io,
  config: Config,
): Promise<Map<number, DockerConfigNote[]>> {
  const byRule = new Map<number, DockerConfigNote[]>();
  await Promise.all(
    config.rules.map(async (rule, i) => {
      const notes = await ruleStoreNotes(rule, config.baseDir, (path) => io.readFile(path));
      if (notes.length > 0) byRule.set(i, notes);
    }),
  );
  return byRule;
}
