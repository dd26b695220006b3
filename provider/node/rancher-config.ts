import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import { PullkeyError } from "../errors.js";
import type { Origin } from "./origin.js";

/**
 * k3s/RKE2 configuration as k3s's configfilearg reads it: `config.yaml`, then every
 * `config.yaml.d/*.yaml` in lexical order; a later file's key replaces an earlier one, a key
 * ending in `+` appends to the list (k3s docs "Configuration File", "Multiple Config Files").
 * Only the keys that bear on the kubelet's credential provider flags are kept. Pure.
 */

export const RANCHER_KEYS = [
  "image-credential-provider-config",
  "image-credential-provider-bin-dir",
  "kubelet-arg",
] as const;

export type RancherKey = (typeof RANCHER_KEYS)[number];

/** One value of a key, with the line that set it. */
export interface KeyValue {
  value: string;
  origin: Origin;
}

export type RancherSettings = Partial<Record<RancherKey, KeyValue[]>>;

/** Merges config files, in the order given, into the settings the kubelet flags depend on. */
export function mergeRancherConfigs(
  files: readonly { path: string; text: string }[],
): RancherSettings {
  const settings: RancherSettings = {};
  for (const file of files) {
    const lineCounter = new LineCounter();
    const doc = parseDocument(file.text, { lineCounter });
    if (doc.errors.length > 0) {
      const first = doc.errors[0];
      const line = first?.linePos?.[0]?.line;
      throw new PullkeyError(
        "USAGE",
        `${file.path}${line ? `:${line}` : ""} is not valid YAML (${first?.code ?? "parse error"})`,
      );
    }
    const contents = doc.contents;
    if (contents === null || contents === undefined) continue;
    if (!isMap(contents)) {
      throw new PullkeyError("USAGE", `${file.path} is not a YAML mapping`);
    }
    for (const pair of contents.items) {
      const rawKey = isScalar(pair.key) ? String(pair.key.value) : "";
      const append = rawKey.endsWith("+");
      const key = (append ? rawKey.slice(0, -1) : rawKey) as RancherKey;
      if (!(RANCHER_KEYS as readonly string[]).includes(key)) continue;
      const lineOf = (node: Node | null | undefined) =>
        lineCounter.linePos(node?.range?.[0] ?? 0).line;
      const values = scalarValues(pair.value as Node | null).map((v) => ({
        value: v.value,
        origin: { file: file.path, line: lineOf(v.node ?? (pair.key as Node)), key },
      }));
      settings[key] = append ? [...(settings[key] ?? []), ...values] : values;
    }
  }
  return settings;
}

function scalarValues(node: Node | null): { value: string; node?: Node }[] {
  if (node === null) return [];
  if (isSeq(node)) {
    return node.items.flatMap((item) =>
      isScalar(item) ? [{ value: String(item.value), node: item as Node }] : [],
    );
  }
  if (isScalar(node)) return [{ value: String(node.value), node }];
  return [];
}

/**
 * A k3s/RKE2 command line's words that bear on the kubelet flags: `--config`/`-c`,
 * `--kubelet-arg`, `--image-credential-provider-*` (urfave/cli: `--flag value` or
 * `--flag=value`; a repeated slice flag accumulates, a repeated string flag's last wins).
 */
export function rancherCliSettings(args: readonly { value: string; origin: Origin }[]): {
  config?: KeyValue;
  settings: RancherSettings;
} {
  const settings: RancherSettings = {};
  let config: KeyValue | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg) continue;
    const m = /^--?([a-z-]+)(?:=(.*))?$/s.exec(arg.value);
    if (!m) continue;
    const name = m[1] ?? "";
    const known =
      name === "config" || name === "c" || (RANCHER_KEYS as readonly string[]).includes(name);
    if (!known) continue;
    let value = m[2];
    if (value === undefined) {
      const next = args[i + 1];
      if (next === undefined) continue;
      value = next.value;
      i++;
    }
    const found = { value, origin: { ...arg.origin, key: `--${name}` } };
    if (name === "config" || name === "c") config = found;
    else if (name === "kubelet-arg")
      settings["kubelet-arg"] = [...(settings["kubelet-arg"] ?? []), found];
    else settings[name as RancherKey] = [found];
  }
  return { ...(config ? { config } : {}), settings };
}
