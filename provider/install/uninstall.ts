import { PullkeyError } from "../errors.js";
import { removeFromEnvFile } from "./flags.js";
import { FLAVOURS, type Flavour, resolveLayout } from "./flavours.js";
import { type NodeFs, sha256 } from "./fs.js";
import { providerEntries, removeProvider } from "./kubelet-config/document.js";
import { MANIFEST_PATH, parseManifest } from "./manifest.js";
import type { FileChange, Plan } from "./plan.js";

/**
 * Plans an uninstall from the manifest: a file the installer created is deleted; a file it
 * edited gets its original bytes back when nobody changed it since, else only the installer's
 * own entry or flag words are taken out. Flags go first, the executable last, so the kubelet
 * never points at a missing executable.
 */
export async function planUninstall(fs: NodeFs): Promise<Plan & { dirs: string[] }> {
  const manifest = parseManifest(await fs.read(MANIFEST_PATH));
  if (!manifest) {
    throw new PullkeyError(
      "USAGE",
      `no install recorded in ${MANIFEST_PATH}: nothing to uninstall`,
    );
  }
  const warnings: string[] = [];
  const changes: FileChange[] = [];
  const order = ["flags", "kubelet-config", "pullkey-config", "secret", "executable"];
  const records = [...manifest.files].sort((a, b) => order.indexOf(a.role) - order.indexOf(b.role));
  for (const record of records) {
    const before = await fs.read(record.path);
    if (before === undefined) continue;
    const untouched = sha256(before) === record.sha256;
    const text = new TextDecoder().decode(before);
    let after: Uint8Array | undefined;
    if (!untouched && record.role === "kubelet-config") {
      // Someone edited the kubelet's config since: take out pullkey's entry, keep theirs.
      const edited = removeProvider(text, record.provider ?? manifest.name);
      const empty = (providerEntries(edited) ?? []).length === 0;
      warnings.push(`${record.path} changed since the install: only pullkey's entry is taken out`);
      after = record.created && empty ? undefined : new TextEncoder().encode(edited);
    } else if (!untouched && record.role === "flags" && record.variable) {
      warnings.push(`${record.path} changed since the install: only pullkey's flags are taken out`);
      after = new TextEncoder().encode(
        removeFromEnvFile(text, record.variable, record.words ?? []),
      );
    } else {
      // pullkey's own files, and anything unchanged since: back to exactly what was there.
      if (!untouched && record.role !== "executable") {
        warnings.push(`${record.path} changed since the install and is removed all the same`);
      }
      after = record.created ? undefined : await fs.read(record.original ?? "");
      if (!record.created && after === undefined) {
        warnings.push(
          `${record.path}: the backup ${record.original} is gone; the file is left as it is`,
        );
        continue;
      }
    }
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
  const manifestBytes = await fs.read(MANIFEST_PATH);
  changes.push({
    path: MANIFEST_PATH,
    role: "manifest",
    before: manifestBytes,
    mode: 0o600,
    dirMode: 0o700,
  });
  // The flavour's restart commands, worked out while its files are still in place.
  const layout = (FLAVOURS as readonly string[]).includes(manifest.flavour)
    ? await resolveLayout(manifest.flavour as Flavour, fs, {}).catch(() => undefined)
    : undefined;
  return { ...(layout ? { layout } : {}), changes, warnings, notes: [], dirs: manifest.dirs };
}
