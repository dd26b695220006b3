import { isAbsolute, posix } from "node:path";
import { quote } from "../errors.js";
import { loadKubeletConfig } from "../install/kubelet-config/load.js";
import type { KubeletProvider } from "../install/kubelet-config/schema.js";
import { urlsMatch } from "../matching/match.js";
import { type NodeFs, readText } from "../node/fs.js";
import { BIN_DIR_FLAG } from "../node/origin.js";
import type { CheckResult } from "./report.js";

/** The provider name pullkey is registered under by default; the kubelet runs `<bin-dir>/<name>`. */
export const PROVIDER_NAME = "pullkey";

/** The kubelet config's files, as the kubelet reads them: one file, or a folder's *.json/*.yaml/*.yml in byte order. */
export async function readKubeletConfigFiles(
  node: NodeFs,
  path: string,
): Promise<{ files: { path: string; text: string }[] } | { problem: string }> {
  const kind = await node.kind(path);
  if (!kind) return { problem: `${path} does not exist: the kubelet refuses to start` };
  if (kind.type === "dir") {
    const names = (await node.list(path))
      .filter((name) => [".json", ".yaml", ".yml"].includes(posix.extname(name)))
      .sort();
    const files: { path: string; text: string }[] = [];
    for (const name of names) {
      const file = posix.join(path, name);
      if ((await node.kind(file))?.type === "dir") continue;
      const text = await readText(node, file);
      if (text !== undefined) files.push({ path: file, text });
    }
    if (files.length === 0) {
      return { problem: `no configuration files found in directory ${quote(path)}` };
    }
    return { files };
  }
  const text = await readText(node, path);
  if (text === undefined) return { problem: `${path} cannot be read` };
  return { files: [{ path, text }] };
}

/** The CredentialProviderConfig check, and pullkey's entry when the config is valid. */
export async function kubeletConfigCheck(
  node: NodeFs,
  path: string,
): Promise<{ check: CheckResult; providers?: KubeletProvider[] }> {
  const id = "kubelet-config";
  const read = await readKubeletConfigFiles(node, path);
  if ("problem" in read) return { check: { id, status: "fail", summary: read.problem } };
  const loaded = loadKubeletConfig(read.files);
  if (loaded.error !== undefined) {
    return {
      check: {
        id,
        status: "fail",
        summary: `${path} is invalid, so the kubelet refuses to start: ${loaded.error}`,
      },
    };
  }
  const names = loaded.config.providers.map((p) => p.name);
  return {
    check: {
      id,
      status: "ok",
      summary: `${path} is valid (${read.files.length} file${read.files.length === 1 ? "" : "s"}; providers: ${names.join(", ")})`,
    },
    providers: loaded.config.providers,
  };
}

/** Whether the config has a pullkey entry, and whether it sends IMAGE to pullkey. */
export function providerCheck(
  providers: readonly KubeletProvider[],
  configPath: string,
  image: string | undefined,
  name: string = PROVIDER_NAME,
): { check: CheckResult; provider?: KubeletProvider } {
  const id = "kubelet-provider";
  const provider = providers.find((p) => p.name === name);
  if (!provider) {
    return {
      check: {
        id,
        status: "fail",
        summary: `${configPath} has no provider named ${quote(name)} (providers: ${providers.map((p) => quote(p.name)).join(", ")}): the kubelet never runs pullkey (doctor --name NAME for another provider name)`,
      },
    };
  }
  const patterns = provider.matchImages.map((p) => quote(p)).join(", ");
  const config = providerConfigPath(provider);
  if (config !== undefined && !isAbsolute(config)) {
    return {
      check: {
        id,
        status: "fail",
        summary: `provider ${quote(name)} passes --config ${config}, a relative path: the kubelet's working directory is not defined, so pullkey refuses it; give an absolute path`,
      },
      provider,
    };
  }
  if (image !== undefined && !provider.matchImages.some((p) => urlsMatch(p, image))) {
    return {
      check: {
        id,
        status: "fail",
        summary: `provider ${quote(name)} matchImages [${patterns}] do not match ${image}: the kubelet never asks pullkey for it`,
      },
      provider,
    };
  }
  return {
    check: {
      id,
      status: "ok",
      summary: `provider ${quote(name)} (${provider.apiVersion}) with matchImages [${patterns}]${image === undefined ? "" : `, which match ${image}`}`,
    },
    provider,
  };
}

/** `<bin-dir>/pullkey` must be an executable regular file (the kubelet's exec.LookPath). */
export async function binaryCheck(
  node: NodeFs,
  binDir: string,
  name: string = PROVIDER_NAME,
): Promise<CheckResult> {
  const id = "kubelet-binary";
  const dirKind = await node.kind(binDir);
  if (dirKind?.type !== "dir") {
    return {
      id,
      status: "fail",
      summary: `${BIN_DIR_FLAG} ${binDir} ${dirKind ? "is not a folder" : "does not exist"}: the kubelet refuses to start`,
    };
  }
  const path = posix.join(binDir, name);
  const kind = await node.kind(path);
  if (!kind) {
    return {
      id,
      status: "fail",
      summary: `${path} does not exist: the kubelet refuses to start ("plugin binary executable  did not exist")`,
    };
  }
  if (kind.type !== "file") {
    return { id, status: "fail", summary: `${path} is not a regular file` };
  }
  if ((kind.mode & 0o111) === 0) {
    return {
      id,
      status: "fail",
      summary: `${path} is not executable (mode ${(kind.mode & 0o7777).toString(8).padStart(4, "0")}): chmod 0755 it`,
    };
  }
  return {
    id,
    status: "ok",
    summary: `${path} is executable (mode ${(kind.mode & 0o7777).toString(8).padStart(4, "0")})`,
  };
}

/**
 * The pullkey config the kubelet's pullkey entry points at: `--config` in its args, else
 * PULLKEY_CONFIG in its env; undefined means pullkey's default.
 */
export function providerConfigPath(provider: KubeletProvider): string | undefined {
  const fromArgs = credentialArgs(provider.args);
  if (fromArgs !== undefined) return fromArgs;
  const env = provider.env.filter((e) => e.name === "PULLKEY_CONFIG").at(-1);
  return env && isAbsolute(env.value) ? env.value : undefined;
}

function credentialArgs(args: readonly string[]): string | undefined {
  let found: string | undefined;
  args.forEach((arg, i) => {
    if (arg === "--config" && args[i + 1] !== undefined) found = args[i + 1];
    else if (arg.startsWith("--config=")) found = arg.slice("--config=".length);
  });
  return found;
}
