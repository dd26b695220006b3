import { parseEnvFile } from "./env-file.js";
import { type EnvValue, expandExecLine, parseExecLine, splitWords } from "./exec-line.js";
import { type NodeFs, readText } from "./fs.js";
import type { Arg, Origin } from "./origin.js";
import { expandSpecifiers, parseUnitFile } from "./unit-file.js";

/**
 * A systemd service's command line as systemd builds it: the unit file from the first folder of
 * the search path that has it, then every `<unit>.d/*.conf` drop-in sorted by file name across
 * all folders (a same-named drop-in in an earlier folder shadows the later ones), then
 * `Environment=` and every `EnvironmentFile=` (files read in order, later ones and files over
 * `Environment=`), then the last `ExecStart=` with its variables expanded (systemd.unit(5),
 * systemd.exec(5), systemd.service(5)).
 */

/** The system unit search path, highest priority first (systemd.unit(5), merged and split /usr). */
export const UNIT_DIRS = [
  "/etc/systemd/system",
  "/run/systemd/system",
  "/usr/local/lib/systemd/system",
  "/usr/lib/systemd/system",
  "/lib/systemd/system",
] as const;

/** A unit file or drop-in as read. */
export interface UnitSource {
  path: string;
  text: string;
  assumed?: boolean;
}

/** One `EnvironmentFile=` entry, in the order systemd reads them. */
export interface EnvFileRef {
  path: string;
  /** `-` prefix: a missing file is not an error. */
  optional: boolean;
  exists: boolean;
  origin: Origin;
}

export interface ServiceModel {
  unit: string;
  sources: UnitSource[];
  /** The effective `ExecStart=` as written (specifiers and variables unexpanded) and where. */
  execStart?: { value: string; origin: Origin };
  env: Map<string, EnvValue>;
  envFiles: EnvFileRef[];
  /** argv as the process gets it; empty without an ExecStart. */
  args: Arg[];
  /** What stops systemd from starting the unit as written. */
  problems: string[];
}

/** The unit file (first folder of the search path that has it) and its drop-ins, in order. */
export async function findUnitSources(
  fs: NodeFs,
  unit: string,
  exclude?: string,
): Promise<{ main?: UnitSource; masked?: string; dropIns: UnitSource[] }> {
  let main: UnitSource | undefined;
  for (const dir of UNIT_DIRS) {
    const path = `${dir}/${unit}`;
    const kind = await fs.kind(path);
    if (!kind) continue;
    // `systemctl mask` links the unit to /dev/null: systemd will not start it.
    if (kind.type !== "file") return { masked: path, dropIns: [] };
    main = { path, text: (await readText(fs, path)) ?? "" };
    break;
  }
  const names = new Map<string, string>();
  for (const dir of [...UNIT_DIRS].reverse()) {
    for (const name of await fs.list(`${dir}/${unit}.d`)) {
      if (name.endsWith(".conf")) names.set(name, `${dir}/${unit}.d/${name}`);
    }
  }
  const dropIns: UnitSource[] = [];
  for (const name of [...names.keys()].sort()) {
    const path = names.get(name) ?? "";
    if (path === exclude) continue;
    dropIns.push({ path, text: (await readText(fs, path)) ?? "" });
  }
  return { ...(main ? { main } : {}), dropIns };
}

/** Packaged files to assume when the node has no unit file, or no unit at all. */
export interface AssumedUnit {
  main: UnitSource;
  dropIns: UnitSource[];
}

/**
 * Reads the unit, its drop-ins and environment files, and evaluates them. Without a unit file
 * the `assumed` packaged one stands in (and its drop-ins too when there are none on the node);
 * undefined when there is neither.
 */
export async function loadService(
  fs: NodeFs,
  unit: string,
  options: { exclude?: string; assumed?: AssumedUnit } = {},
): Promise<ServiceModel | undefined> {
  const found = await findUnitSources(fs, unit, options.exclude);
  if (found.masked) {
    return {
      ...evaluateService(unit, [], new Map()),
      problems: [
        `${unit} is masked (${found.masked} is not a unit file): systemd does not start it`,
      ],
    };
  }
  const main = found.main ?? options.assumed?.main;
  if (!main) return undefined;
  const dropIns =
    found.main || found.dropIns.length > 0 ? found.dropIns : (options.assumed?.dropIns ?? []);
  const sources = [main, ...dropIns];
  const envTexts = new Map<string, string | undefined>();
  for (const ref of environmentFiles(sources, unit)) {
    if (!envTexts.has(ref.path)) envTexts.set(ref.path, await readText(fs, ref.path));
  }
  return evaluateService(unit, sources, envTexts);
}

/** The `EnvironmentFile=` entries in effect (an empty one resets the list). */
function environmentFiles(sources: readonly UnitSource[], unit: string): EnvFileRef[] {
  let refs: EnvFileRef[] = [];
  for (const source of sources) {
    for (const d of parseUnitFile(source.text)) {
      if (d.section !== "Service" || d.key !== "EnvironmentFile") continue;
      if (d.value === "") {
        refs = [];
        continue;
      }
      const optional = d.value.startsWith("-");
      const path = expandSpecifiers(optional ? d.value.slice(1) : d.value, unit);
      const origin = {
        file: source.path,
        line: d.line,
        ...(source.assumed ? { assumed: true } : {}),
      };
      refs.push({ path, optional, exists: false, origin });
    }
  }
  return refs;
}

/** Evaluates a unit and its drop-ins against the environment files' texts (absent: undefined). Pure. */
export function evaluateService(
  unit: string,
  sources: readonly UnitSource[],
  envTexts: ReadonlyMap<string, string | undefined>,
): ServiceModel {
  const problems: string[] = [];
  const env = new Map<string, EnvValue>();
  let execs: { value: string; origin: Origin }[] = [];
  for (const source of sources) {
    const assumed = source.assumed ? { assumed: true } : {};
    for (const d of parseUnitFile(source.text)) {
      if (d.section !== "Service") continue;
      const origin: Origin = { file: source.path, line: d.line, ...assumed };
      if (d.key === "ExecStart") {
        if (d.value === "") execs = [];
        else execs.push({ value: d.value, origin });
      } else if (d.key === "Environment") {
        if (d.value === "") env.clear();
        for (const word of splitWords(expandSpecifiers(d.value, unit), true)) {
          const eq = word.indexOf("=");
          if (eq <= 0) continue;
          env.set(word.slice(0, eq), { value: word.slice(eq + 1), origin });
        }
      }
    }
  }
  const envFiles = environmentFiles(sources, unit);
  for (const ref of envFiles) {
    const text = envTexts.get(ref.path);
    ref.exists = text !== undefined;
    if (text === undefined) {
      if (!ref.optional) {
        problems.push(
          `${ref.path} (EnvironmentFile= in ${ref.origin.file}:${ref.origin.line}, no "-") does not exist: systemd refuses to start ${unit}`,
        );
      }
      continue;
    }
    for (const a of parseEnvFile(text)) {
      env.set(a.name, { value: a.value, origin: { file: ref.path, line: a.line } });
    }
  }
  if (execs.length > 1) {
    const where = execs.map((e) => `${e.origin.file}:${e.origin.line}`).join(", ");
    problems.push(
      `${unit} has ${execs.length} ExecStart= lines (${where}) with no empty ExecStart= between them: systemd refuses to start it`,
    );
  }
  const execStart = execs.at(-1);
  const args = execStart
    ? expandExecLine(parseExecLine(expandSpecifiers(execStart.value, unit)), env, execStart.origin)
    : [];
  if (!execStart) problems.push(`${unit} has no ExecStart=`);
  return {
    unit,
    sources: [...sources],
    ...(execStart ? { execStart } : {}),
    env,
    envFiles,
    args,
    problems,
  };
}
