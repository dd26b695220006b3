import { dirname, isAbsolute, resolve } from "node:path";
import { stringify } from "yaml";
import { parseConfigText } from "../config/compile.js";
import { validateConfig } from "../config/validate.js";
import { PullkeyError } from "../errors.js";
import { sourceFiles } from "../sources/index.js";

/**
 * pullkey's own config on the node: copied from a file the operator gives (with the files it
 * reads as --secret-file), or generated from flags for the common case, a docker config.json.
 * Another generated case (Vault, AWS) is one more field of SourceFlags and one more branch of
 * generateConfig, producing the same GeneratedConfig.
 */

export const PULLKEY_DIR = "/etc/pullkey";

/** A file the installer writes next to the config (a secret the generated config points at). */
export interface ExtraFile {
  path: string;
  bytes: Uint8Array;
  mode: number;
}

export interface GeneratedConfig {
  /** Node path of pullkey's config. */
  path: string;
  bytes: Uint8Array;
  extra: ExtraFile[];
}

export interface SourceFlags {
  /** --docker-config FILE: a docker config.json (what `docker login` writes). */
  dockerConfig?: { bytes: Uint8Array; from: string } | undefined;
  /** --registry HOST (repeatable): which registries the rule serves; default Docker Hub. */
  registries: string[];
  /** --cache-duration for the generated rule. */
  cacheDuration?: string | undefined;
}

/** Builds pullkey's config from source flags; undefined when no source flag was given. */
export function generateConfig(flags: SourceFlags): GeneratedConfig | undefined {
  if (!flags.dockerConfig) return undefined;
  const secret = `${PULLKEY_DIR}/docker-config.json`;
  try {
    JSON.parse(new TextDecoder().decode(flags.dockerConfig.bytes));
  } catch {
    throw new PullkeyError(
      "CONFIG_INVALID",
      `--docker-config ${flags.dockerConfig.from} is not a JSON docker config`,
    );
  }
  const rule: Record<string, unknown> = { name: "docker-config" };
  if (flags.registries.length > 0) rule["match"] = flags.registries;
  else rule["preset"] = "dockerhub";
  if (flags.cacheDuration) rule["cacheDuration"] = flags.cacheDuration;
  // Relative to the config's folder, so the pair also works from a --root tree or a moved folder.
  rule["source"] = { type: "dockerConfig", path: "docker-config.json" };
  const config = { apiVersion: "pullkey/v1", kind: "PullkeyConfig", rules: [rule] };
  const text = `# Written by the pullkey installer (--docker-config).\n${stringify(config, { lineWidth: 0 })}`;
  return {
    path: `${PULLKEY_DIR}/config.yaml`,
    bytes: new TextEncoder().encode(text),
    extra: [{ path: secret, bytes: flags.dockerConfig.bytes, mode: 0o600 }],
  };
}

/**
 * Validates pullkey's config as it will sit at `path` on the node, and returns the image
 * patterns its rules serve (the default `matchImages`) and the files its sources read.
 */
export async function inspectConfig(
  bytes: Uint8Array,
  path: string,
): Promise<{ match: string[]; files: string[] }> {
  const text = new TextDecoder().decode(bytes);
  const doc = await parseConfigText(text, path);
  const { config, errors } = validateConfig(doc, path);
  if (!config) {
    throw new PullkeyError(
      "CONFIG_INVALID",
      `pullkey config for ${path} is invalid: ${errors.join("; ")}`,
    );
  }
  const match = [...new Set(config.rules.flatMap((rule) => rule.match))];
  const files = config.rules.flatMap((rule) =>
    sourceFiles(rule.source).map((f) =>
      isAbsolute(f.path) ? f.path : resolve(dirname(path), f.path),
    ),
  );
  return { match, files };
}
