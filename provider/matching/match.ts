import { filepathMatch } from "../gocompat/match.js";
import { parseSchemeless, type SchemelessUrl } from "../gocompat/url.js";

/**
 * The kubelet's URLsMatchStr: used both to decide whether a provider runs for an image
 * (`matchImages`) and which returned `auth` keys apply to it. All four must hold:
 * equal ports, equal label counts, the pattern's path a plain string prefix of the image's
 * path, and every host label glob-matching. A parse or pattern error is no match, as in the
 * kubelet (the keyring and isImageAllowed skip it).
 */
export function urlsMatch(pattern: string, target: string): boolean {
  const glob = parseSchemeless(pattern);
  const image = parseSchemeless(target);
  if ("error" in glob || "error" in image) return false;
  return hostMatches(glob.value, image.value) && image.value.path.startsWith(glob.value.path);
}

/** The host half of urlsMatch: could this pattern match any image on the target's host? */
export function hostMatches(glob: SchemelessUrl, target: SchemelessUrl): boolean {
  if (glob.port !== target.port) return false;
  if (glob.labels.length !== target.labels.length) return false;
  return glob.labels.every((label, i) => {
    const matched = filepathMatch(label, target.labels[i] ?? "");
    return "value" in matched && matched.value;
  });
}

/** Parses an image or pattern as the kubelet does, or undefined where the kubelet cannot. */
export function parseImageUrl(text: string): SchemelessUrl | undefined {
  const parsed = parseSchemeless(text);
  return "error" in parsed ? undefined : parsed.value;
}
