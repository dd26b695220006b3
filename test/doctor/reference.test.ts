import { describe, expect, it } from "vitest";
import {
  type ImageReference,
  parseImageReference,
  registryBaseUrl,
} from "../../provider/doctor/reference.js";

describe("splitting an image reference for the registry API", () => {
  it.each<{ name: string; text: string; expected: ImageReference }>([
    {
      name: "a Docker Hub short name gains library/ and the tag latest",
      text: "busybox",
      expected: {
        name: "docker.io/library/busybox",
        host: "docker.io",
        repository: "library/busybox",
        reference: "latest",
      },
    },
    {
      name: "a tag is kept",
      text: "nginx:1.27",
      expected: {
        name: "docker.io/library/nginx",
        host: "docker.io",
        repository: "library/nginx",
        reference: "1.27",
      },
    },
    {
      name: "a port is part of the host, not a tag",
      text: "127.0.0.1:5000/team/app",
      expected: {
        name: "127.0.0.1:5000/team/app",
        host: "127.0.0.1:5000",
        repository: "team/app",
        reference: "latest",
      },
    },
    {
      name: "a digest wins over a tag",
      text: "registry.local:5000/app:v1@sha256:abc",
      expected: {
        name: "registry.local:5000/app",
        host: "registry.local:5000",
        repository: "app",
        reference: "sha256:abc",
      },
    },
    {
      name: "index.docker.io is Docker Hub",
      text: "index.docker.io/team/app:v2",
      expected: {
        name: "docker.io/team/app",
        host: "docker.io",
        repository: "team/app",
        reference: "v2",
      },
    },
  ])("$name", ({ text, expected }) => {
    expect(parseImageReference(text)).toEqual(expected);
  });

  it.each([
    {
      name: "Docker Hub's API is registry-1.docker.io",
      host: "docker.io",
      url: "https://registry-1.docker.io",
    },
    {
      name: "a registry with a port is HTTPS",
      host: "registry.local:5000",
      url: "https://registry.local:5000",
    },
    {
      name: "loopback by address is plain HTTP",
      host: "127.0.0.1:5000",
      url: "http://127.0.0.1:5000",
    },
    { name: "localhost is plain HTTP", host: "localhost:5000", url: "http://localhost:5000" },
    { name: "a public host is HTTPS", host: "ghcr.io", url: "https://ghcr.io" },
  ])("$name", ({ host, url }) => {
    expect(registryBaseUrl(host)).toBe(url);
  });
});
