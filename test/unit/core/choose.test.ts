import { describe, expect, it } from "vitest";
import type { Rule } from "../../../provider/config/config.js";
import { PRESETS } from "../../../provider/config/schema.js";
import { answerScope, chooseRule } from "../../../provider/core/choose.js";

const rule = (name: string, ...match: string[]): Rule => ({
  name,
  match,
  cacheDurationMs: 60_000,
  source: { type: "static", username: name, passwordFile: `${name}.token` },
});

const teamA = rule("team-a", "docker.io/team-a");
const hub = rule("dockerhub", "docker.io");
const internal = rule("internal", "registry.internal:5000", "*.mirror.example");
const teams = rule("teams", "quay.io/team-a", "quay.io/team-b");
const preset = rule("dockerhub", ...PRESETS.dockerhub);

describe("choosing the rule for an image", () => {
  it.each([
    {
      name: "a path-scoped rule listed first wins for its namespace",
      rules: [teamA, hub],
      image: "docker.io/team-a/app",
      want: "team-a",
    },
    {
      name: "other namespaces fall through to the host rule",
      rules: [teamA, hub],
      image: "docker.io/library/busybox",
      want: "dockerhub",
    },
    {
      name: "first match wins, so a host rule listed first hides a path rule",
      rules: [hub, teamA],
      image: "docker.io/team-a/app",
      want: "dockerhub",
    },
    {
      name: "a port must match exactly",
      rules: [internal],
      image: "registry.internal/app",
      want: undefined,
    },
    {
      name: "a rule's second pattern counts",
      rules: [internal],
      image: "eu.mirror.example/app",
      want: "internal",
    },
    {
      name: "no rule matches another registry",
      rules: [teamA, hub],
      image: "ghcr.io/org/app",
      want: undefined,
    },
    {
      name: "preset: dockerhub serves an image written with Docker Hub's API host",
      rules: [preset],
      image: "registry-1.docker.io/library/busybox",
      want: "dockerhub",
    },
    {
      name: "a plain docker.io rule does not: the kubelet sends registry-1.docker.io unchanged",
      rules: [hub],
      image: "registry-1.docker.io/library/busybox",
      want: undefined,
    },
  ])("$name", ({ rules, image, want }) => {
    expect(chooseRule(rules, image)?.name).toBe(want);
  });
});

describe("keying the answer so the kubelet's cache stays correct", () => {
  it.each([
    {
      name: "a host no other rule touches is cached per Registry",
      rules: [hub],
      chosen: hub,
      image: "docker.io/library/busybox",
      want: { cacheKeyType: "Registry", authKeys: ["docker.io"] },
    },
    {
      name: "a path-scoped rule on a shared host is cached per Image",
      rules: [teamA, hub],
      chosen: teamA,
      image: "docker.io/team-a/app",
      want: { cacheKeyType: "Image", authKeys: ["docker.io/team-a"] },
    },
    {
      name: "the host rule is cached per Image too, or a cached answer would shadow team-a",
      rules: [teamA, hub],
      chosen: hub,
      image: "docker.io/library/busybox",
      want: { cacheKeyType: "Image", authKeys: ["docker.io"] },
    },
    {
      name: "a rule with several paths on one host answers with all of them, so a Registry-cached answer covers each",
      rules: [teams],
      chosen: teams,
      image: "quay.io/team-a/app",
      want: { cacheKeyType: "Registry", authKeys: ["quay.io/team-a", "quay.io/team-b"] },
    },
    {
      name: "only patterns for the image's host become auth keys",
      rules: [internal, hub],
      chosen: internal,
      image: "registry.internal:5000/app",
      want: { cacheKeyType: "Registry", authKeys: ["registry.internal:5000"] },
    },
    {
      name: "a glob host pattern is returned as written",
      rules: [internal],
      chosen: internal,
      image: "eu.mirror.example/app",
      want: { cacheKeyType: "Registry", authKeys: ["*.mirror.example"] },
    },
    {
      name: "preset: dockerhub answers docker.io images under docker.io only",
      rules: [preset],
      chosen: preset,
      image: "docker.io/library/busybox",
      want: { cacheKeyType: "Registry", authKeys: ["docker.io"] },
    },
    {
      name: "preset: dockerhub answers registry-1.docker.io images under that host only",
      rules: [preset],
      chosen: preset,
      image: "registry-1.docker.io/library/busybox",
      want: { cacheKeyType: "Registry", authKeys: ["registry-1.docker.io"] },
    },
    {
      name: "a team rule on docker.io does not make registry-1.docker.io answers per Image",
      rules: [teamA, preset],
      chosen: preset,
      image: "registry-1.docker.io/team-a/app",
      want: { cacheKeyType: "Registry", authKeys: ["registry-1.docker.io"] },
    },
  ])("$name", ({ rules, chosen, image, want }) => {
    expect(answerScope(rules, chosen, image)).toEqual(want);
  });
});
