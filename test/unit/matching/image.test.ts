import { describe, expect, it } from "vitest";
import { PullkeyError } from "../../../provider/errors.js";
import { normalizeImageName } from "../../../provider/matching/image.js";

describe("normalising image references as the kubelet does before it calls a plugin", () => {
  it.each([
    {
      ref: "busybox",
      image: "docker.io/library/busybox",
      why: "official images gain docker.io/library/",
    },
    { ref: "busybox:1.36", image: "docker.io/library/busybox", why: "the tag is dropped" },
    {
      ref: "library/busybox:1.36",
      image: "docker.io/library/busybox",
      why: "explicit library namespace",
    },
    {
      ref: `myorg/app@sha256:${"a".repeat(64)}`,
      image: "docker.io/myorg/app",
      why: "the digest is dropped",
    },
    {
      ref: "docker.io/busybox",
      image: "docker.io/library/busybox",
      why: "docker.io without a namespace",
    },
    {
      ref: "index.docker.io/library/busybox",
      image: "docker.io/library/busybox",
      why: "the legacy host is Docker Hub",
    },
    {
      ref: "gcr.io/proj/img:tag",
      image: "gcr.io/proj/img",
      why: "a dotted first part is a registry",
    },
    { ref: "localhost/app", image: "localhost/app", why: "localhost is a registry" },
    {
      ref: "registry.io:5000/a/b@sha256:" + "0".repeat(64),
      image: "registry.io:5000/a/b",
      why: "port kept, digest dropped",
    },
    { ref: "localhost:5000/app:v1", image: "localhost:5000/app", why: "a port marks a registry" },
  ])("$ref → $image ($why)", ({ ref, image }) => {
    expect(normalizeImageName(ref)).toBe(image);
  });

  it.each([{ ref: "" }, { ref: "Busybox" }, { ref: "docker.io/My/App" }])(
    "rejects $ref as a usage error",
    ({ ref }) => {
      expect(() => normalizeImageName(ref)).toThrow(PullkeyError);
    },
  );
});
