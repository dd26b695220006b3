import { isDeepStrictEqual } from "node:util";
import { FLAVOURS, type Flavour } from "../node/flavour.js";
import type { NodeFs } from "../node/fs.js";
import { onlyEmptyAssignment, undoEnvEdit } from "./env-edit.js";
import {
  type ProviderEntry,
  providerEntries,
  removeProvider,
  upsertProvider,
} from "./kubelet-config/document.js";
import { resolveLayout } from "./layout.js";
import {
  type FileRecord,
  limitFor,
  MANIFEST_PATH,
  type Manifest,
  parseManifest,
  sha256,
} from "./manifest.js";
import type { FileChange, Plan } from "./plan.js";

/**
 * Plans an uninstall from the manifest: it takes out pullkey's edits, not the file's history.
 * In the kubelet's files only the words and the entry pullkey added go (an entry `--force`
 * replaced comes back only while pullkey's is still as written); everything else stays as it
 * is now. pullkey's own files are deleted, or get back what they replaced while unchanged.
 * Flags go first, the executable last, so the kubelet never points at a missing executable.
 * With nothing recorded there is nothing to do, and that is not an error.
 */
export async function planUninstall(
  fs: NodeFs,
): Promise<Plan & { dirs: string[]; nothing?: string }> {
  const manifest = parseManifest(await fs.read(MANIFEST_PATH));
  if (!manifest) {
    return {
      changes: [],
      warnings: [],
      notes: [],
      dirs: [],
      nothing: `no install recorded in ${MANIFEST_PATH}: nothing to uninstall`,
    };
  }
  const warnings: string[] = [];
  const changes: FileChange[] = [];
  const order = ["flags", "kubelet-config", "pullkey-config", "secret", "executable"];
  const records = [...manifest.files].sort((a, b) => order.indexOf(a.role) - order.indexOf(b.role));
  for (const record of records) {
    const before = await fs.read(record.path, limitFor(record.role));
    if (before === undefined) continue;
    const after = await undo(fs, record, manifest, before, warnings);
    if (after === "keep") continue;
    if (after !== undefined && Buffer.from(after).equals(before)) continue;
    changes.push({
      path: record.path,
      role: record.role,
      before,
      after,
      mode: 0o644,
      dirMode: 0o755,
    });
  }
  changes.push({
    path: MANIFEST_PATH,
    role: "manifest",
    before: await fs.read(MANIFEST_PATH),
    mode: 0o600,
    dirMode: 0o700,
  });
  // The flavour's restart commands, worked out while its files are still in place.
  const layout = (FLAVOURS as readonly string[]).includes(manifest.flavour)
    ? await resolveLayout(fs, { flavour: manifest.flavour as Flavour }).catch(() => undefined)
    : undefined;
  return { ...(layout ? { layout } : {}), changes, warnings, notes: [], dirs: manifest.dirs };
}

/** The file's next bytes (undefined: delete it), or "keep" to leave it alone. */
async function undo(
  fs: NodeFs,
  record: FileRecord,
  manifest: Manifest,
  before: Uint8Array,
  warnings: string[],
): Promise<Uint8Array | undefined | "keep"> {
  const text = Buffer.from(before).toString("utf8");
  const encode = (s: string) => new TextEncoder().encode(s);
  const untouched = sha256(before) === record.sha256;
  if (record.role === "flags" && record.variable) {
    const next = undoEnvEdit(text, record.variable, record.words ?? [], record.edit ?? "words");
    if (record.created && (next.trim() === "" || onlyEmptyAssignment(next, record.variable))) {
      return undefined;
    }
    return encode(next);
  }
  if (record.role === "kubelet-config") {
    const name = record.provider ?? manifest.name;
    const current = (providerEntries(text) ?? []).find(
      (e) => (e as ProviderEntry | null)?.name === name,
    );
    if (current === undefined) return "keep";
    if (record.replaced !== undefined) {
      if (record.entry !== undefined && !isDeepStrictEqual(current, record.entry)) {
        warnings.push(
          `${record.path}: provider ${name} changed since the install, so the entry it replaced is not put back; it is left as it is`,
        );
        return "keep";
      }
      return encode(upsertProvider(text, record.replaced as ProviderEntry));
    }
    const next = removeProvider(text, name);
    if (record.created && (providerEntries(next) ?? []).length === 0) return undefined;
    return encode(next);
  }
  if (record.role === "flags" || record.created) {
    // pullkey's own file (its drop-in, config, secrets, executable): deleted.
    if (!untouched && record.role !== "executable") {
      warnings.push(`${record.path} changed since the install and is removed all the same`);
    }
    return undefined;
  }
  // pullkey replaced someone's file: theirs comes back only if pullkey's is still in place.
  if (!untouched) {
    warnings.push(`${record.path} changed since the install; it is left as it is`);
    return "keep";
  }
  const original = record.original
    ? await fs.read(record.original, limitFor(record.role))
    : undefined;
  if (original === undefined) {
    warnings.push(
      `${record.path}: the backup ${record.original} is gone; the file is left as it is`,
    );
    return "keep";
  }
  return original;
}
