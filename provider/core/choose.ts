import type { Rule } from "../config/config.js";
import { hostMatches, parseImageUrl, urlsMatch } from "../matching/match.js";
import type { CacheKeyType } from "../protocol/api.js";

/** The rule that serves an image: the first, in config order, with a pattern that matches it. */
export function chooseRule(rules: readonly Rule[], image: string): Rule | undefined {
  return rules.find((rule) => rule.match.some((pattern) => urlsMatch(pattern, image)));
}

/** How an answer must be cached and keyed so the kubelet applies it only where it is right. */
export interface AnswerScope {
  cacheKeyType: CacheKeyType;
  /** `auth` keys: the rule's patterns for this image's host. */
  authKeys: string[];
}

/**
 * Decides the cache key type and auth keys for an answer from `rule` for `image`.
 *
 * With `Registry`, the kubelet reuses one answer for every image on the host without running us
 * again, and then applies each `auth` key to the images it matches (keyring.go). That is right
 * only if no other rule could serve some image on the same host: then the rule's own patterns
 * for the host, as auth keys, give every image on it exactly what we would have answered.
 * Otherwise (a path-scoped rule such as docker.io/team-a next to docker.io) we answer per `Image`.
 * `Global` is never right for a plugin that serves more than one registry.
 */
export function answerScope(rules: readonly Rule[], rule: Rule, image: string): AnswerScope {
  const target = parseImageUrl(image);
  const onHost = (pattern: string) => {
    const parsed = parseImageUrl(pattern);
    return parsed !== undefined && target !== undefined && hostMatches(parsed, target);
  };
  const authKeys = rule.match.filter(onHost);
  const shared = rules.some((other) => other !== rule && other.match.some(onHost));
  return { cacheKeyType: shared ? "Image" : "Registry", authKeys };
}
