import { describe, expect, it } from "vitest";
import type { Config } from "../../../provider/config/config.js";
import { answerRequest } from "../../../provider/core/answer.js";
import { PullkeyError } from "../../../provider/errors.js";
import type {
  CredentialSource,
  FetchContext,
  RegistryCredential,
} from "../../../provider/sources/source.js";

const NOW = new Date("2026-11-27T12:00:00Z");
const V1 = "credentialprovider.kubelet.k8s.io/v1" as const;
const config: Config = {
  file: "/etc/pullkey/config.yaml",
  baseDir: "/etc/pullkey",
  defaultCacheDurationMs: 600_000,
  unmatched: "error",
  stateDir: "/var/lib/pullkey",
  cache: { enabled: true, staleIfErrorMs: 86_400_000, staleCacheDurationMs: 60_000 },
  execTimeoutMs: 20_000,
  rules: [
    {
      name: "hub",
      match: ["docker.io"],
      cacheDurationMs: 3_600_000,
      source: { type: "static", username: "u", passwordFile: "p" },
    },
  ],
};

// The core's only I/O is the source, so a scripted source is the honest way to drive it here;
// real sources have their own tests against real files and peers.
function scripted(fetch: (context: FetchContext) => Promise<RegistryCredential>) {
  const seen: FetchContext[] = [];
  const source: CredentialSource = {
    description: "scripted test source",
    fetch: (context) => {
      seen.push(context);
      return fetch(context);
    },
  };
  return {
    seen,
    deps: {
      createSource: async () => source,
      now: () => NOW,
      signal: new AbortController().signal,
      sleep: async () => undefined,
    },
  };
}

describe("answering a request", () => {
  it("hands the service account token and annotations of a v1 request to the source", async () => {
    const { seen, deps } = scripted(async () => ({ username: "u", password: "p" }));
    await answerRequest(
      {
        apiVersion: V1,
        image: "docker.io/library/busybox",
        serviceAccountToken: "tok",
        serviceAccountAnnotations: { "a/b": "c" },
      },
      config,
      deps,
    );
    expect(seen[0]?.serviceAccount).toEqual({ token: "tok", annotations: { "a/b": "c" } });
    expect(seen[0]?.registry).toBe("docker.io");
  });

  it("leaves the service account out when the kubelet sent none", async () => {
    const { seen, deps } = scripted(async () => ({ username: "u", password: "p" }));
    await answerRequest({ apiVersion: V1, image: "docker.io/library/busybox" }, config, deps);
    expect(seen[0]).not.toHaveProperty("serviceAccount");
  });

  it("caps the cache duration by the credential's expiry", async () => {
    const { deps } = scripted(async () => ({
      username: "u",
      password: "p",
      expiresAt: new Date(NOW.getTime() + 20 * 60_000),
    }));
    const { response } = await answerRequest(
      { apiVersion: V1, image: "docker.io/library/busybox" },
      config,
      deps,
    );
    expect(response.cacheDuration).toBe("10m0s");
  });

  it("prefixes a source's error with the image and rule, keeping its code", async () => {
    const { deps } = scripted(async () => {
      throw new PullkeyError("SOURCE_FORMAT", "secret x has the wrong shape");
    });
    await expect(
      answerRequest({ apiVersion: V1, image: "docker.io/library/busybox" }, config, deps),
    ).rejects.toMatchObject({
      code: "SOURCE_FORMAT",
      message: 'image "docker.io/library/busybox", rule "hub": secret x has the wrong shape',
    });
  });

  it("reports a source that outlives the deadline as DEADLINE_EXCEEDED", async () => {
    const controller = new AbortController();
    const { deps } = scripted(async () => {
      controller.abort();
      throw new Error("socket hang up");
    });
    await expect(
      answerRequest({ apiVersion: V1, image: "docker.io/library/busybox" }, config, {
        ...deps,
        signal: controller.signal,
      }),
    ).rejects.toMatchObject({
      code: "DEADLINE_EXCEEDED",
      message:
        'image "docker.io/library/busybox", rule "hub": source scripted test source did not answer in time',
    });
  });

  it("answers an unmatched image with empty auth per Image when configured to", async () => {
    const { seen, deps } = scripted(async () => ({ username: "u", password: "p" }));
    const { response } = await answerRequest(
      { apiVersion: V1, image: "ghcr.io/a/b" },
      { ...config, unmatched: "anonymous" },
      deps,
    );
    expect(response).toEqual({
      apiVersion: V1,
      cacheKeyType: "Image",
      cacheDuration: "10m0s",
      auth: {},
    });
    expect(seen).toHaveLength(0);
  });
});
