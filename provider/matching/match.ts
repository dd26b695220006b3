import { globMatch } from "./glob.js";
import { parseSchemeless, type SchemelessUrl } from "./url.js";

/**
 * The kubelet's URLsMatch: used both to decide whether a provider runs for an image
 * (`matchImages`) and which returned `auth` keys apply to it. All four must hold:
 * equal ports, equal label counts, the pattern's path a plain string prefix of the image's
 * path, and every host label glob-matching.
 */
export function urlsMatch(pattern: string, target: string): boolean {
  const glob = parseSchemeless(pattern);
  const image = parseSchemeless(target);
  if (!glob || !image) return false;
  return hostMatches(glob, image) && image.path.startsWith(glob.path);
}

/** The host half of urlsMatch: could this pattern match any image on the target's host? */
export function hostMatches(glob: SchemelessUrl, target: SchemelessUrl): boolean {
  if (glob.port !== target.port) return false;
  if (glob.labels.length !== target.labels.length) return false;
  return glob.labels.every((label, i) => globMatch(label, target.labels[i] ?? ""));
}
