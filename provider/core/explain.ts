import type { Rule } from "../config/config.js";
import { hostMatches, parseImageUrl, urlsMatch } from "../matching/match.js";
import { answerScope } from "./choose.js";

/**
 * Why an image gets the answer it gets, in sentences for `pullkey get --verbose`: which rule and
 * pattern matched (rules are tried in order), and why the kubelet is told to cache per registry
 * or per image.
 */
export function explainChoice(rules: readonly Rule[], image: string): string[] {
  for (const rule of rules) {
    const pattern = rule.match.find((p) => urlsMatch(p, image));
    if (pattern === undefined) continue;
    const lines = [`image ${image} matches rule "${rule.name}" by pattern ${pattern}`];
    const target = parseImageUrl(image);
    const sharing = rules.filter(
      (other) =>
        other !== rule &&
        other.match.some((p) => {
          const parsed = parseImageUrl(p);
          return parsed !== undefined && target !== undefined && hostMatches(parsed, target);
        }),
    );
    const scope = answerScope(rules, rule, image);
    lines.push(
      scope.cacheKeyType === "Registry"
        ? `cacheKeyType Registry: no other rule has a pattern on ${target?.host}, so one answer serves every image there`
        : `cacheKeyType Image: ${sharing.map((r) => `"${r.name}"`).join(", ")} also ${sharing.length === 1 ? "has patterns" : "have patterns"} on ${target?.host}, so each image is asked for on its own`,
    );
    lines.push(`auth keys: ${scope.authKeys.join(", ")}`);
    return lines;
  }
  return [
    `image ${image} matches no rule (rules are tried in order: ${rules.map((r) => r.name).join(", ")})`,
  ];
}
