import { isDeepStrictEqual } from "node:util";
import { patternProblem } from "../config/patterns.js";
import { PullkeyError, quote } from "../errors.js";
import type { Flavour } from "../node/flavour.js";
import type { NodeFs } from "../node/fs.js";
import { buildProviderEntry } from "./entry.js";
import {
  type ProviderEntry,
  providerEntries,
  renderNewConfig,
  syntaxError,
  upsertProvider,
} from "./kubelet-config/document.js";
import { loadKubeletConfig } from "./kubelet-config/load.js";
import type { DecodedConfig } from "./kubelet-config/schema.js";
import type { Layout } from "./layout.js";
import type { FileRecord } from "./manifest.js";
import type { InstallOptions } from "./plan.js";

/** The kubelet config file pullkey's entry goes in, its next text, and what it replaced. */
export interface KubeletEntryPlan {
  file: string;
  text: string;
  mode: number;
  merged: DecodedConfig;
  /** A same-named entry pullkey replaced (--force), for uninstall to put back. */
  replaced?: unknown;
}

/**
 * Pullkey's entry in the kubelet's config: the file the flags name, or its own file in the
 * folder they name. Merges into what is there, refuses a same-named entry it did not write,
 * and checks the result as the kubelet's loader would.
 */
export async function planKubeletEntry(
  fs: NodeFs,
  layout: Layout,
  flavour: Flavour,
  entry: ProviderEntry,
  options: InstallOptions,
  owned: (path: string) => FileRecord | undefined,
): Promise<KubeletEntryPlan> {
  const configKind = await fs.kind(layout.kubeletConfig);
  const dirMode = configKind?.type === "dir" || options.dropIn;
  if (dirMode) {
    if (flavour === "k3s" || flavour === "rke2") {
      throw new PullkeyError(
        "USAGE",
        `${flavour} passes the kubelet flags only for a config file, not a folder`,
      );
    }
    if (options.kubeletMinor !== undefined && options.kubeletMinor < 34) {
      throw new PullkeyError(
        "USAGE",
        `a config folder needs kubelet 1.34 or newer; this kubelet is 1.${options.kubeletMinor}`,
      );
    }
    // A folder the kubelet already reads proves a 1.34+ kubelet; a new one must not be a guess.
    if (options.kubeletMinor === undefined && configKind?.type !== "dir") {
      throw new PullkeyError(
        "USAGE",
        "--drop-in makes the kubelet read a config folder, which needs kubelet 1.34 or newer, and the kubelet's version is unknown here (--root, or no kubelet --version): pass --kubelet-version 1.N",
      );
    }
    if (configKind?.type === "file") {
      throw new PullkeyError(
        "USAGE",
        `--drop-in needs --image-credential-provider-config to name a folder; the kubelet reads the file ${layout.kubeletConfig}`,
      );
    }
  }
  const kubeletFile = dirMode
    ? `${layout.kubeletConfig.replace(/\/+$/, "")}/${options.name}.yaml`
    : layout.kubeletConfig;
  const currentBytes = await fs.read(kubeletFile);
  const current = currentBytes === undefined ? undefined : new TextDecoder().decode(currentBytes);
  let nextText: string;
  let replaced: unknown;
  if (current === undefined || current.trim() === "") {
    nextText = renderNewConfig(entry, kubeletFile.endsWith(".json") ? "json" : "yaml");
  } else {
    const broken = syntaxError(current);
    if (broken !== undefined) {
      throw new PullkeyError(
        "CONFIG_INVALID",
        `${kubeletFile} is not valid YAML or JSON (${broken}), so the kubelet refuses it as it is; fix it, then run install again`,
      );
    }
    const entries = providerEntries(current);
    if (entries === undefined) {
      throw new PullkeyError("CONFIG_INVALID", `${kubeletFile}: "providers" is not a list`);
    }
    const same = entries.find((e) => (e as ProviderEntry | null)?.name === options.name);
    const record = owned(kubeletFile);
    const ours = record?.provider === options.name;
    if (same !== undefined && !ours && !isDeepStrictEqual(same, entry) && !options.force) {
      throw new PullkeyError(
        "CONFIG_INVALID",
        `${kubeletFile} already has a provider named ${quote(options.name)} that this installer did not write; choose another --name, or pass --force to replace it`,
      );
    }
    // An entry that already says exactly this stays as it is written (idempotence).
    nextText = isDeepStrictEqual(same, entry) ? current : upsertProvider(current, entry);
    // Kept so uninstall can put back an entry --force replaced (only while still pullkey's).
    if (ours && record?.replaced !== undefined) replaced = record.replaced;
    else if (!ours && same !== undefined && !isDeepStrictEqual(same, entry)) replaced = same;
  }
  const merged = await checkKubeletConfig(fs, layout, kubeletFile, nextText, dirMode, options);
  const mode = configKind?.type === "file" && !dirMode ? configKind.mode : 0o644;
  return {
    file: kubeletFile,
    text: nextText,
    mode,
    merged,
    ...(replaced !== undefined ? { replaced } : {}),
  };
}

/**
 * Reads the config the kubelet will read after the change (the one file, or every file of the
 * folder in its order) and checks it as the kubelet would. Throws, naming the file and field,
 * when the kubelet would refuse to start.
 */
async function checkKubeletConfig(
  fs: NodeFs,
  layout: Layout,
  file: string,
  nextText: string,
  dirMode: boolean,
  options: InstallOptions,
): Promise<DecodedConfig> {
  const files: [string, string][] = [];
  if (dirMode) {
    const dir = layout.kubeletConfig.replace(/\/+$/, "");
    const names = new Set(
      (await fs.list(dir)).filter((n) => /\.(json|yaml|yml)$/.test(n)).map((n) => `${dir}/${n}`),
    );
    names.add(file);
    for (const path of [...names].sort()) {
      files.push([
        path,
        path === file
          ? nextText
          : new TextDecoder().decode((await fs.read(path)) ?? new Uint8Array()),
      ]);
    }
  } else {
    files.push([file, nextText]);
  }
  const loaded = loadKubeletConfig(
    files.map(([path, text]) => ({ path, text })),
    { kubeletMinor: options.kubeletMinor },
  );
  if (loaded.error !== undefined) {
    const hint =
      options.token && /tokenAttributes: unknown field/.test(loaded.error)
        ? " (tokenAttributes needs a kubelet.config.k8s.io/v1 config and kubelet 1.33+)"
        : "";
    throw new PullkeyError("CONFIG_INVALID", `the kubelet would not start: ${loaded.error}${hint}`);
  }
  return loaded.config;
}

/** pullkey's provider entry from the options, refusing patterns that would never match. */
export function providerEntryFor(
  options: InstallOptions,
  ruleMatches: readonly string[],
  pullkeyConfig: string,
): ProviderEntry {
  const matchImages = options.matchImages.length > 0 ? options.matchImages : [...ruleMatches];
  const problems = matchImages.flatMap((p, i) => {
    const problem = patternProblem(p);
    return problem ? [`matchImages[${i}]: ${problem}`] : [];
  });
  if (problems.length > 0) {
    throw new PullkeyError(
      "CONFIG_INVALID",
      `pullkey's entry would never run: ${problems.join("; ")}`,
    );
  }
  if (matchImages.length === 0) {
    throw new PullkeyError(
      "CONFIG_INVALID",
      "no image patterns: give --match-image or rules with match patterns",
    );
  }
  if (options.token && options.kubeletMinor !== undefined && options.kubeletMinor < 34) {
    // 1.33's alpha has the gate off by default and no cacheType field; 1.34 requires cacheType.
    throw new PullkeyError(
      "USAGE",
      `service account token mode needs kubelet 1.34 or newer; this kubelet is 1.${options.kubeletMinor}`,
    );
  }
  return buildProviderEntry({
    name: options.name,
    matchImages,
    defaultCacheDuration: options.defaultCacheDuration,
    apiVersion: options.providerApiVersion,
    pullkeyConfig,
    env: options.env,
    keepEnv: options.keepEnv,
    token: options.token,
  });
}
