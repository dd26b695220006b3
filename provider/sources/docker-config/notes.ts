import { PullkeyError, quote } from "../../errors.js";
import { authsEntries, parseDockerConfigDocument } from "../shapes/dockerconfigjson.js";
import { missingHelperMessage } from "./helper-answer.js";
import { findHelper, type HelperLookup, helperDirs } from "./helper-path.js";
import { type CredentialStores, readCredentialStores, unusedHelperKeys } from "./stores.js";

/** One finding about a docker config, for validate, get, install and doctor to show. */
export interface DockerConfigNote {
  /** `error`: pulls through this file will fail; `warning`: docker and pullkey ignore something. */
  level: "error" | "warning" | "info";
  message: string;
}

/**
 * What a node needs for a docker config's credential stores, as one line each: which helper
 * serves which registries and where it was found, helpers that are missing (the error a pull
 * would get), and inline credentials or `credHelpers` keys that docker never uses. A missing
 * helper is an error only if it serves a registry the caller's rule uses (`serves`, given a
 * server URL); otherwise a warning. Pure: the caller looks the helpers up (`lookups`, by name).
 */
export function credentialStoreNotes(
  stores: CredentialStores,
  inlineKeys: readonly string[],
  what: string,
  lookups: ReadonlyMap<string, HelperLookup>,
  serves: (serverURL: string) => boolean = () => true,
): DockerConfigNote[] {
  const notes: DockerConfigNote[] = [];
  // Per helper: the fields naming it, and whether any of them applies to a served registry.
  const uses = new Map<string, { via: string[]; needed: boolean }>();
  const use = (name: string, via: string, needed: boolean) => {
    const known = uses.get(name) ?? { via: [], needed: false };
    uses.set(name, { via: [...known.via, via], needed: known.needed || needed });
  };
  const unused = unusedHelperKeys(stores);
  for (const [key, name] of Object.entries(stores.credHelpers)) {
    if (unused.some((u) => u.key === key)) continue;
    use(name, `credHelpers[${quote(key)}]`, serves(key));
  }
  if (stores.credsStore) use(stores.credsStore, `credsStore ${quote(stores.credsStore)}`, true);
  for (const [name, { via, needed }] of uses) {
    const lookup = lookups.get(name);
    if (!lookup) continue;
    const named = { name, via: via.join(", ") };
    notes.push(
      lookup.found
        ? { level: "info", message: `${what}: ${named.via} runs ${lookup.path}` }
        : {
            level: needed ? "error" : "warning",
            message: missingHelperMessage(named, what, lookup.dirs, lookup.untrusted),
          },
    );
  }
  if (stores.credsStore && inlineKeys.length > 0) {
    notes.push({
      level: "warning",
      message: `${what}: auths ${inlineKeys.map((k) => quote(k)).join(", ")} hold inline credentials that docker and pullkey never use, because credsStore ${quote(stores.credsStore)} answers for every registry without a credHelpers entry`,
    });
  }
  for (const { key, use: by } of unused) {
    notes.push({
      level: "warning",
      message: `${what}: credHelpers[${quote(key)}] is never used: docker looks helpers up by ${quote(by)}`,
    });
  }
  return notes;
}

/**
 * Reads a docker config's bytes and returns its credential-store notes, looking each helper up
 * where the source would (under `root` for an installer's tree). A file that cannot be parsed
 * is one error note; a file with no helpers has no notes. Never runs a helper.
 */
export async function dockerConfigNotes(
  bytes: Uint8Array,
  what: string,
  options: {
    credentialHelperDir?: string | undefined;
    root?: string;
    serves?: (serverURL: string) => boolean;
  } = {},
): Promise<DockerConfigNote[]> {
  let stores: CredentialStores;
  let inlineKeys: string[];
  try {
    const doc = parseDockerConfigDocument(bytes, what);
    stores = readCredentialStores(doc, what);
    inlineKeys = authsEntries(doc, what)
      .filter((e) => e.fields["auth"] || e.fields["password"])
      .map((e) => e.key);
  } catch (err) {
    if (err instanceof PullkeyError) return [{ level: "error", message: err.message }];
    throw err;
  }
  const dirs = helperDirs(options.credentialHelperDir);
  const names = new Set([...Object.values(stores.credHelpers), stores.credsStore ?? ""]);
  names.delete("");
  const lookups = new Map<string, HelperLookup>();
  for (const name of names) {
    lookups.set(name, await findHelper(name, dirs, options.root ? { root: options.root } : {}));
  }
  return credentialStoreNotes(stores, inlineKeys, what, lookups, options.serves);
}
