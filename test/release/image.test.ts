import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureCrane } from "../../scripts/peers/node.mjs";
import { type Arch, BUSYBOX_VERSION, ensureBusybox } from "../../scripts/release/busybox.mjs";
import { buildInstallerImage, ENTRY_SCRIPT, ENTRYPOINT } from "../../scripts/release/image.mjs";
import {
  listLayer,
  type PlatformImage,
  platformImages,
  releasedImage,
  runAsync,
} from "./layout.js";

/**
 * The installer image of the release (npm run release, built once by the release tier's setup
 * around the release's amd64 and arm64 executables), read back from its OCI layout and
 * tarballs; and the image builder's reproducibility on small inputs.
 */

const EPOCH = 1_700_000_000;
// ELF e_machine of each architecture: proves each image carries that architecture's busybox.
const ELF_MACHINE: Record<Arch, number> = { amd64: 0x3e, arm64: 0xb7 };

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "pullkey-image-"));
  dirs.push(dir);
  return dir;
}
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

let crane = "";
let image: ReturnType<typeof releasedImage>;
let images: PlatformImage[];

beforeAll(async () => {
  crane = await ensureCrane();
  image = releasedImage();
  images = platformImages(image.layout);
}, 600_000);

afterAll(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("the installer image", () => {
  it("is one multi-arch index with a linux/amd64 and a linux/arm64/v8 image", () => {
    expect(images.map((i) => i.platform)).toEqual([
      { architecture: "amd64", os: "linux" },
      { architecture: "arm64", os: "linux", variant: "v8" },
    ]);
  });

  it.each(["amd64", "arm64"] as const)(
    "%s: the layers hold exactly busybox and pullkey with its entry, root-owned, with these modes",
    (arch) => {
      const found = images.find((i) => i.platform.architecture === arch);
      expect(found?.layers).toHaveLength(2);
      const [busyboxLayer = "", pullkeyLayer = ""] = found?.layers ?? [];
      expect(listLayer(busyboxLayer)).toEqual([
        "drwxr-xr-x 0/0 bin/",
        "-rwxr-xr-x 0/0 bin/busybox",
        "lrwxrwxrwx 0/0 bin/sh -> busybox",
      ]);
      expect(listLayer(pullkeyLayer)).toEqual([
        "drwxr-xr-x 0/0 opt/",
        "drwxr-xr-x 0/0 opt/pullkey/",
        "-rwxr-xr-x 0/0 opt/pullkey/entry.sh",
        "-rwxr-xr-x 0/0 opt/pullkey/pullkey",
      ]);
    },
  );

  it.each(["amd64", "arm64"] as const)(
    "%s: the files are Debian's busybox for the architecture, the given pullkey and entry.sh, all stamped SOURCE_DATE_EPOCH",
    async (arch) => {
      const found = images.find((i) => i.platform.architecture === arch);
      const root = tempDir();
      for (const layer of found?.layers ?? []) {
        expect(spawnSync("tar", ["-xzf", layer, "-C", root]).status).toBe(0);
      }
      const busybox = readFileSync(join(root, "bin/busybox"));
      expect(sha256(busybox)).toBe(sha256(readFileSync(await ensureBusybox(arch))));
      expect(busybox.readUInt16LE(18)).toBe(ELF_MACHINE[arch]);
      // The release's own executable for the architecture (its ELF machine checked there).
      expect(sha256(readFileSync(join(root, "opt/pullkey/pullkey")))).toBe(
        sha256(readFileSync(image.executables[arch])),
      );
      expect(readFileSync(join(root, "opt/pullkey/pullkey")).readUInt16LE(18)).toBe(
        ELF_MACHINE[arch],
      );
      expect(readFileSync(join(root, "opt/pullkey/entry.sh"))).toEqual(readFileSync(ENTRY_SCRIPT));
      const times = spawnSync("tar", ["-tvzf", found?.layers[1] ?? "", "--full-time", "--utc"], {
        encoding: "utf8",
      }).stdout;
      const stamp = new Date(image.epoch * 1000).toISOString().slice(0, 19).replace("T", " ");
      expect(times.split(stamp)).toHaveLength(5);
    },
  );

  it("has the entry point, PATH for the host's tools, the platform and SOURCE_DATE_EPOCH in each config", () => {
    for (const { config, layers } of images) {
      expect(config.config.Entrypoint).toEqual(ENTRYPOINT);
      expect(config.config.Env).toEqual([
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      ]);
      expect(Date.parse(config.created)).toBe(image.epoch * 1000);
      expect(config.os).toBe("linux");
      expect(config.rootfs.diff_ids).toHaveLength(layers.length);
      expect(config.history[0]?.created_by).toContain(BUSYBOX_VERSION);
    }
  });

  it("is accepted by crane: the layout pushed to crane's registry keeps its digest and validates, and so does each tarball", async () => {
    const registry = await serveRegistry(crane);
    try {
      const ref = `127.0.0.1:${registry.port}/pullkey-installer:test`;
      const push = await runAsync(crane, ["push", image.layout, ref]);
      expect(push.output).toContain(image.index);
      expect(push.status).toBe(0);
      const digest = await runAsync(crane, ["digest", ref]);
      expect(digest.output.trim()).toBe(image.index);
      for (const platform of ["linux/amd64", "linux/arm64/v8"]) {
        const valid = await runAsync(crane, ["validate", "--remote", ref, "--platform", platform]);
        expect(valid.output).toContain("PASS");
        expect(valid.status).toBe(0);
      }
    } finally {
      registry.process.kill();
    }
    for (const tarball of Object.values(image.tarballs)) {
      const valid = await runAsync(crane, ["validate", "--tarball", tarball]);
      expect(valid.output).toContain("PASS");
      expect(valid.status).toBe(0);
    }
  });

  it("tags each tarball for docker load (manifest.json) and names it for ctr import (index.json)", () => {
    const root = tempDir();
    const tarball = image.tarballs.arm64 ?? "";
    expect(spawnSync("tar", ["-xf", tarball, "-C", root]).status).toBe(0);
    const docker = JSON.parse(readFileSync(join(root, "manifest.json"), "utf8"));
    expect(docker).toEqual([
      expect.objectContaining({ RepoTags: [image.tag], Layers: expect.any(Array) }),
    ]);
    const index = JSON.parse(readFileSync(join(root, "index.json"), "utf8"));
    expect(index.manifests[0].annotations["io.containerd.image.name"]).toBe(
      `docker.io/library/${image.tag}`,
    );
    const arm64 = images.find((i) => i.platform.architecture === "arm64");
    expect(docker[0].Config).toBe(`blobs/sha256/${arm64?.manifest.config.digest.slice(7)}`);
  });
});

describe("reproducible bytes", () => {
  it("two builds in different folders, at different times, write the same bytes; another SOURCE_DATE_EPOCH changes the digest", async () => {
    const inputs = tempDir();
    const small = { amd64: join(inputs, "amd64"), arm64: join(inputs, "arm64") };
    writeFileSync(small.amd64, "pretend amd64 executable\n");
    writeFileSync(small.arm64, "pretend arm64 executable\n");
    const build = (sourceDateEpoch: number) =>
      buildInstallerImage({ executables: small, outDir: tempDir(), sourceDateEpoch });
    const first = await build(EPOCH);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const second = await build(EPOCH);
    expect(second.index).toBe(first.index);
    expect(tree(second.layout)).toEqual(tree(first.layout));
    for (const arch of ["amd64", "arm64"] as const) {
      expect(sha256(readFileSync(second.tarballs[arch] ?? ""))).toBe(
        sha256(readFileSync(first.tarballs[arch] ?? "")),
      );
    }
    expect((await build(EPOCH + 1)).index).not.toBe(first.index);
  });
});

/** Every file under `dir` with the sha256 of its bytes, relative paths sorted. */
function tree(dir: string, prefix = ""): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true })
    .flatMap((entry) => {
      const rel = join(prefix, entry.name);
      return entry.isDirectory()
        ? tree(dir, rel)
        : [`${rel} ${sha256(readFileSync(join(dir, rel)))}`];
    })
    .sort();
}

/** crane's own registry on a loopback port, for as long as the test needs it. */
function serveRegistry(crane: string): Promise<{ port: number; process: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const child = spawn(crane, ["registry", "serve", "--address", "127.0.0.1:0"], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let output = "";
    child.stderr.on("data", (d) => {
      output += d;
      const port = /serving on port (\d+)/.exec(output)?.[1];
      if (port) resolve({ port: Number(port), process: child });
    });
    child.on("error", reject);
    child.on("close", (status) => reject(new Error(`crane registry exited ${status}: ${output}`)));
  });
}
