import { isAbsolute, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { renderCheckHelp } from "../doctor/checks.js";
import { runDoctor } from "../doctor/doctor.js";
import { type HttpClient, nodeHttpClient } from "../doctor/http.js";
import { renderJson, renderText } from "../doctor/report.js";
import { errorLine, PullkeyError } from "../errors.js";
import { MANIFEST_PATH, parseManifest } from "../install/manifest.js";
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, exitStatusFor, type Io } from "../io.js";
import { lenientFs, type NodeFs, rootedFs } from "../node/fs.js";
import { liveAnswerDeps } from "./live-deps.js";

export const DOCTOR_HELP = `pullkey doctor [IMAGE] [--config FILE] [--json] [--root DIR] [--name NAME]

Checks, one line each, what a pull of IMAGE goes through on this node:
${renderCheckHelp()}
Never prints a password or token. Exit status 0 when no check fails, 1 otherwise, 2 usage error.
  --json       one JSON document instead of lines
  --root DIR   read the node's files under DIR instead of /: kubelet files, /proc, and the
               pullkey config found there with its secrets and state (--config FILE and
               $PULLKEY_CONFIG name this host's files, read as given)
  --name NAME  the provider name pullkey runs under (default: the installed one, else pullkey)
`;

/** `pullkey doctor`: parses its own arguments (like install) and prints the report; tests pass `http`. */
export async function doctorCommand(
  io: Io,
  argv: readonly string[],
  http: HttpClient = nodeHttpClient(),
): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    const message = err instanceof PullkeyError ? err.message : (err as Error).message;
    io.stderr(
      `${errorLine(new PullkeyError("USAGE", `${message} (see pullkey doctor --help)`))}\n`,
    );
    return EXIT_USAGE;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout(DOCTOR_HELP);
    return EXIT_OK;
  }
  try {
    const root = values.root === undefined ? "/" : resolveRoot(values.root, io.cwd);
    if ((await lenientFs(rootedFs("/")).kind(root))?.type !== "dir") {
      throw new PullkeyError("USAGE", `--root ${root} is not a folder`);
    }
    const node = lenientFs(rootedFs(root));
    const config = values.config === undefined ? undefined : resolveRoot(values.config, io.cwd);
    const name = values.name ?? (await installedName(node)) ?? "pullkey";
    const nodeIo = rootedIo(io, root);
    const report = await runDoctor(
      { image: positionals[0], config, root, name },
      {
        io,
        ...(root === "/" ? {} : { nodeIo }),
        node,
        http,
        answerDeps: (config, configIo) => ({
          ...liveAnswerDeps(configIo, config, () => undefined),
          // The doctor asks the source itself: a fresh cache entry would hide a broken backend.
          throughCache: undefined,
        }),
      },
    );
    io.stdout(values.json ? renderJson(report) : renderText(report));
    return report.verdict === "ok" ? EXIT_OK : EXIT_FAILURE;
  } catch (err) {
    io.stderr(`${errorLine(err)}\n`);
    return exitStatusFor(err);
  }
}

function parse(argv: readonly string[]) {
  const parsed = parseArgs({
    args: [...argv],
    options: {
      config: { type: "string" },
      json: { type: "boolean" },
      root: { type: "string" },
      name: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    allowPositionals: true,
    strict: true,
  });
  if (parsed.positionals.length > 1) {
    throw new PullkeyError("USAGE", "doctor takes at most one IMAGE");
  }
  return parsed;
}

function resolveRoot(root: string, cwd: string): string {
  return isAbsolute(root) ? root : resolve(cwd, root);
}

/** The provider name the installer recorded, if pullkey was installed with the installer. */
async function installedName(node: NodeFs): Promise<string | undefined> {
  return parseManifest(await node.read(MANIFEST_PATH))?.name;
}

/** Reads node paths (pullkey's config, its secret files) under `root`; a path already in the tree as given. */
function rootedIo(io: Io, root: string): Io {
  const at = (path: string) =>
    !isAbsolute(path) || path.startsWith(`${root}/`) ? path : join(root, path);
  return {
    ...io,
    readFile: (path, limit) => io.readFile(at(path), limit),
    fileMode: (path) => io.fileMode(at(path)),
  };
}
