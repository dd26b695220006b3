import { execFileSync, spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { headCommit, RELEASE_DIR_ENV, REPO } from "./cache.js";

/** Reading an OCI image layout the way a registry client does: from index.json down. */

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { architecture: string; os: string; variant?: string };
  annotations?: Record<string, string>;
}

export interface PlatformImage {
  platform: NonNullable<Descriptor["platform"]>;
  manifest: { config: Descriptor; layers: Descriptor[] };
  config: {
    created: string;
    architecture: string;
    os: string;
    variant?: string;
    config: { Entrypoint: string[]; Env: string[]; WorkingDir: string };
    rootfs: { type: string; diff_ids: string[] };
    history: { created: string; created_by: string }[];
  };
  /** Paths of the layer blobs (gzip'd tars), in order. */
  layers: string[];
}

export function blobPath(layout: string, digest: string): string {
  return join(layout, "blobs", "sha256", digest.replace(/^sha256:/, ""));
}

export function readJson<T>(layout: string, descriptor: Descriptor): T {
  return JSON.parse(readFileSync(blobPath(layout, descriptor.digest), "utf8")) as T;
}

/** The images of a multi-arch layout: index.json's one entry is an image index. */
export function platformImages(layout: string): PlatformImage[] {
  const root = JSON.parse(readFileSync(join(layout, "index.json"), "utf8")) as {
    manifests: Descriptor[];
  };
  const [entry] = root.manifests;
  if (!entry) throw new Error(`${layout}/index.json names nothing`);
  const index = readJson<{ manifests: Descriptor[] }>(layout, entry);
  return index.manifests.map((descriptor) => {
    const manifest = readJson<PlatformImage["manifest"]>(layout, descriptor);
    return {
      platform: descriptor.platform ?? { architecture: "?", os: "?" },
      manifest,
      config: readJson<PlatformImage["config"]>(layout, manifest.config),
      layers: manifest.layers.map((layer) => blobPath(layout, layer.digest)),
    };
  });
}

/** `tar -tvzf` of a layer as `mode owner path[ -> target]` lines (GNU tar: an independent reader). */
export function listLayer(path: string): string[] {
  const result = spawnSync("tar", ["-tvzf", path, "--numeric-owner"], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`tar -tvzf ${path}: ${result.stderr}`);
  return result.stdout
    .trim()
    .split("\n")
    .map((line) => {
      const [mode, owner, , , , ...rest] = line.split(/\s+/);
      return `${mode} ${owner} ${rest.join(" ")}`;
    });
}

/** Runs a command without blocking the worker (a registry may be serving from this process). */
export function runAsync(
  command: string,
  args: readonly string[],
  options: { timeoutMs?: number } = {},
): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => {
      output += d;
    });
    child.stderr.on("data", (d) => {
      output += d;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 120_000);
    child.on("error", reject);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, output });
    });
  });
}

/**
 * The installer image `npm run release` wrote into the release tier's folder
 * (test/release/setup.ts), with the executables it was built around.
 */
export function releasedImage(): {
  layout: string;
  tarballs: Record<"amd64" | "arm64", string>;
  executables: Record<"amd64" | "arm64", string>;
  tag: string;
  /** The index digest, from the layout's index.json. */
  index: string;
  /** SOURCE_DATE_EPOCH of the release: the environment's, else the commit's time. */
  epoch: number;
} {
  const dir = process.env[RELEASE_DIR_ENV];
  if (!dir) throw new Error(`${RELEASE_DIR_ENV} is not set: run this file in the release tier`);
  const { version } = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8"));
  const layout = join(dir, `pullkey-installer-${version}.oci`);
  const root = JSON.parse(readFileSync(join(layout, "index.json"), "utf8"));
  const per = (name: (arch: string) => string) => ({
    amd64: join(dir, name("amd64")),
    arm64: join(dir, name("arm64")),
  });
  const fromEnv = process.env["SOURCE_DATE_EPOCH"];
  return {
    layout,
    tarballs: per((arch) => `pullkey-installer-${version}-linux-${arch}.tar`),
    executables: per((arch) => `pullkey-${version}-linux-${arch}`),
    tag: `pullkey-installer:${version}`,
    index: root.manifests[0].digest,
    epoch: fromEnv
      ? Number(fromEnv)
      : Number(execFileSync("git", ["log", "-1", "--format=%ct", headCommit()], { cwd: REPO })),
  };
}
