import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";

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
