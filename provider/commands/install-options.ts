import { isAbsolute, resolve } from "node:path";
import type { parseArgs } from "node:util";
import { PullkeyError } from "../errors.js";
import { readNamedFile } from "../files.js";
import { parseGoDuration } from "../gocompat/duration.js";
import type { TokenOptions } from "../install/entry.js";
import type { ExecEnvVar } from "../install/kubelet-config/schema.js";
import { CACHE_TYPES } from "../install/kubelet-config/schema.js";
import type { InstallOptions } from "../install/plan.js";
import { PULLKEY_DIR } from "../install/pullkey-config.js";
import type { Io } from "../io.js";
import { FLAVOURS, type Flavour } from "../node/flavour.js";
import { EXECUTABLE_BYTES } from "../node/fs.js";
import { API_GROUP } from "../protocol/api.js";

/** Runs a command on the node (systemctl, kubelet --version); injected so tests never do. */
export type RunCommand = (argv: readonly string[]) => { status: number | null; stdout: string };

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
export const DEFAULT_RESTART = [
  ["systemctl", "daemon-reload"],
  ["systemctl", "restart", "kubelet"],
];

export const UNINSTALL_ALLOWED = new Set(["root", "dry-run", "restart", "restart-via", "help"]);

/**
 * How a DaemonSet pod reaches the host's systemd: enter PID 1's namespaces (the pod needs
 * hostPID and privileges).
 */
export const NSENTER = [
  "nsenter",
  "--target",
  "1",
  "--mount",
  "--uts",
  "--ipc",
  "--net",
  "--pid",
  "--",
];

/** `pullkey install --help`. */
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
  --env NAME=VALUE               extra environment for the exec (repeatable); the kubelet's config
                                 is world-readable, so names with TOKEN, SECRET, PASSWORD, KEY or
                                 CREDENTIAL are refused: use --secret-file
  --keep-env NAME                do not neutralise NAME (NODE_OPTIONS, NODE_EXTRA_CA_CERTS, ...)
  --token-audience AUD           KEP-4412 service account token mode, with --token-cache-type
  --token-cache-type T           ${CACHE_TYPES.join(" or ")}
  --require-service-account B    true (default) or false
  --required-annotation KEY, --optional-annotation KEY   service account annotations to pass
  --bin-dir DIR, --kubelet-config PATH   paths, when the kubelet has no flags for them yet
  --drop-in                      write pullkey's entry as its own file in a config folder (1.34+)
  --kubelet-version 1.N          the kubelet's version (default: kubelet --version when --root is /)
  --force                        replace a provider entry of the same name, or an /etc/pullkey
                                 config or secret, that pullkey did not write (a backup is kept)
  --dry-run                      print the diff of every file (secrets redacted), change nothing
  --restart                      restart the kubelet (or k3s/rke2) when something changed
  --restart-via nsenter          from a privileged hostPID pod: run the restart in the host's namespaces
  --root DIR                     operate on DIR as if it were / (for tests and images)

The flags go where the kubelet's effective command line (its unit, drop-ins and environment
files, or k3s/RKE2 config) takes them; install refuses, with the file, when they would not land.
uninstall takes out the words and entry install added and the files it created, keeping every
later edit; with nothing installed it prints one line and exits 0.
`;

export type Values = ReturnType<
  typeof parseArgs<{ options: typeof INSTALL_OPTIONS; allowPositionals: false }>
>["values"];

/** The parsed options of `pullkey install`, with the files it copies read from this host. */
export async function installOptions(
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
  const executable = await hostFile(v.executable, "executable", EXECUTABLE_BYTES);
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
    if (eq <= 0) throw new PullkeyError("USAGE", `--env ${pair.slice(0, 40)} is not NAME=VALUE`);
    const name = pair.slice(0, eq);
    refuseSecretEnv(name);
    return { name, value: pair.slice(eq + 1) };
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

/**
 * `--env` values land in the kubelet's CredentialProviderConfig, a world-readable file, so a
 * name that looks like it holds a secret is refused and the secret pointed at a root-only file.
 */
const SECRET_NAME = /TOKEN|SECRET|PASSWORD|PASSWD|KEY|CREDENTIAL/i;

function refuseSecretEnv(name: string): void {
  if (!SECRET_NAME.test(name)) return;
  throw new PullkeyError(
    "USAGE",
    `--env ${name}=…: the kubelet's CredentialProviderConfig is world-readable, so a secret must not go there; put it in a file (--secret-file FILE copies it to ${PULLKEY_DIR}/<name>, mode 0600) and point pullkey's config at that file`,
  );
}
