import { describe, expect, it } from "vitest";
import type { Rule } from "../../../provider/config/config.js";
import { explainChoice } from "../../../provider/core/explain.js";

const rule = (name: string, ...match: string[]): Rule => ({
  name,
  match,
  cacheDurationMs: 60_000,
  source: { type: "static", username: name, passwordFile: `${name}.token` },
});

describe("explaining the answer for pullkey get --verbose", () => {
  it.each([
    {
      name: "a host rule alone caches per registry",
      rules: [rule("hub", "docker.io")],
      image: "docker.io/library/busybox",
      want: [
        'image docker.io/library/busybox matches rule "hub" by pattern docker.io',
        "cacheKeyType Registry: no other rule has a pattern on docker.io, so one answer serves every image there",
        "auth keys: docker.io",
      ],
    },
    {
      name: "a path rule next to a host rule caches per image and names the other rule",
      rules: [rule("team-a", "docker.io/team-a"), rule("hub", "docker.io")],
      image: "docker.io/team-a/app",
      want: [
        'image docker.io/team-a/app matches rule "team-a" by pattern docker.io/team-a',
        'cacheKeyType Image: "hub" also has patterns on docker.io, so each image is asked for on its own',
        "auth keys: docker.io/team-a",
      ],
    },
    {
      name: "no rule matching says the order rules were tried in",
      rules: [rule("team-a", "docker.io/team-a"), rule("hub", "docker.io")],
      image: "ghcr.io/org/app",
      want: ["image ghcr.io/org/app matches no rule (rules are tried in order: team-a, hub)"],
    },
  ])("$name", ({ rules, image, want }) => {
    expect(explainChoice(rules, image)).toEqual(want);
  });
});
