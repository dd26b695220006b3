// The installer image of the DaemonSet (deploy/helm/pullkey), built without a container daemon:
// two layers per architecture (Debian's static busybox; pullkey and its entry script), written
// as an OCI image layout with a multi-arch index, and as one `docker save`-style tarball per
// architecture (which is an OCI layout too, so docker load, ctr import and kind load all take
// it). Every byte follows from the inputs and SOURCE_DATE_EPOCH: layers come from
// scripts/release/tar.mjs, JSON is written with fixed key order, gzip carries no name or time.
// The image format is checked by crane in test/release/image.test.ts (pushed to crane's own
// registry and validated there); crane itself cannot set the config's `created` time or write a
// docker tarball without the build registry's address in its tag, so it checks rather than builds.
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { BUSYBOX_VERSION, ensureBusybox, IMAGE_ARCHES } from "./busybox.mjs";
import { tarArchive } from "./tar.mjs";

/** The image's repository name, in the tarballs' tags and the chart's default. */
export const IMAGE_NAME = "pullkey-installer";

/** The entry point: the script run by the image's busybox (there is no other shell). */
export const ENTRYPOINT = ["/bin/busybox", "sh", "/opt/pullkey/entry.sh"];

/** PATH for pullkey once it runs on the host (systemctl, kubelet --version are the host's). */
export const IMAGE_ENV = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"];

export const ENTRY_SCRIPT = fileURLToPath(new URL("./image-entry.sh", import.meta.url));
const PACKAGE = fileURLToPath(new URL("../../package.json", import.meta.url));

const MEDIA = {
  index: "application/vnd.oci.image.index.v1+json",
  manifest: "application/vnd.oci.image.manifest.v1+json",
  config: "application/vnd.oci.image.config.v1+json",
  layer: "application/vnd.oci.image.layer.v1.tar+gzip",
};

/** OCI platform of each architecture (arm64 images say v8, as the official ones do). */
const PLATFORMS = {
  amd64: { architecture: "amd64", os: "linux" },
  arm64: { architecture: "arm64", os: "linux", variant: "v8" },
};

/** The two layers of one architecture's image, as tar entries (what the tests compare). */
export function imageLayers({ executable, busybox, entry }) {
  return [
    [
      { path: "bin", type: "dir", mode: 0o755 },
      { path: "bin/busybox", type: "file", mode: 0o755, data: busybox },
      { path: "bin/sh", type: "symlink", target: "busybox" },
    ],
    [
      { path: "opt", type: "dir", mode: 0o755 },
      { path: "opt/pullkey", type: "dir", mode: 0o755 },
      { path: "opt/pullkey/entry.sh", type: "file", mode: 0o755, data: entry },
      { path: "opt/pullkey/pullkey", type: "file", mode: 0o755, data: executable },
    ],
  ];
}

/**
 * Builds the image for every architecture in `executables` ({ amd64: path, arm64: path }) into
 * `outDir`: `<name>-<version>.oci/` (the multi-arch layout) and `<name>-<version>-linux-<arch>.tar`.
 * Resolves with their paths and the index digest.
 */
export async function buildInstallerImage({
  executables,
  outDir,
  version = JSON.parse(readFileSync(PACKAGE, "utf8")).version,
  sourceDateEpoch = epochFromEnv(),
  busyboxes = {},
}) {
  const created = new Date(sourceDateEpoch * 1000).toISOString().replace(".000Z", "Z");
  const tag = `${IMAGE_NAME}:${version}`;
  const entry = readFileSync(ENTRY_SCRIPT);
  const images = [];
  for (const arch of Object.keys(executables).sort()) {
    if (!IMAGE_ARCHES.includes(arch))
      throw new Error(`image: no architecture ${arch} (${IMAGE_ARCHES})`);
    const busybox = readFileSync(busyboxes[arch] ?? (await ensureBusybox(arch)));
    const layers = imageLayers({ executable: readFileSync(executables[arch]), busybox, entry });
    images.push(imageFor(arch, layers, { created, version }));
  }
  const index = blob({
    schemaVersion: 2,
    mediaType: MEDIA.index,
    manifests: images.map((image) => ({ ...image.manifest.descriptor, platform: image.platform })),
  });
  const layout = join(outDir, `${IMAGE_NAME}-${version}.oci`);
  rmSync(layout, { recursive: true, force: true });
  writeLayout(layout, [index, ...images.flatMap((image) => image.blobs)], {
    ...index.descriptor,
    annotations: { "org.opencontainers.image.ref.name": version },
  });
  const tarballs = {};
  for (const image of images) {
    tarballs[image.arch] = join(outDir, `${IMAGE_NAME}-${version}-linux-${image.arch}.tar`);
    writeFileSync(tarballs[image.arch], dockerArchive(image, tag, version, sourceDateEpoch));
  }
  return { layout, tarballs, index: index.descriptor.digest, tag };
}

function imageFor(arch, layers, { created, version }) {
  const platform = PLATFORMS[arch];
  const tars = layers.map((entries) => tarArchive(entries, Date.parse(created) / 1000));
  // gzip without a file name or time (Node writes neither), at a fixed level.
  const gz = tars.map((tar) => ({ bytes: gzipSync(tar, { level: 9 }), mediaType: MEDIA.layer }));
  const config = blob(
    {
      created,
      ...platform,
      config: {
        Env: IMAGE_ENV,
        Entrypoint: ENTRYPOINT,
        WorkingDir: "/",
        Labels: {
          "org.opencontainers.image.title": IMAGE_NAME,
          "org.opencontainers.image.version": version,
        },
      },
      rootfs: { type: "layers", diff_ids: tars.map((tar) => `sha256:${sha256(tar)}`) },
      history: [
        { created, created_by: `Debian busybox-static ${BUSYBOX_VERSION} (${arch})` },
        { created, created_by: `pullkey ${version} (linux-${arch}) and entry.sh` },
      ],
    },
    MEDIA.config,
  );
  const layerBlobs = gz.map((layer) => withDescriptor(layer.bytes, layer.mediaType));
  const manifest = blob({
    schemaVersion: 2,
    mediaType: MEDIA.manifest,
    config: config.descriptor,
    layers: layerBlobs.map((layer) => layer.descriptor),
  });
  return {
    arch,
    platform,
    manifest,
    config,
    layers: layerBlobs,
    blobs: [manifest, config, ...layerBlobs],
  };
}

/** A JSON document as a blob; key order is the literal's, so the bytes are fixed. */
function blob(value, mediaType = value.mediaType) {
  return withDescriptor(Buffer.from(JSON.stringify(value)), mediaType);
}

function withDescriptor(bytes, mediaType) {
  return {
    bytes,
    descriptor: { mediaType, digest: `sha256:${sha256(bytes)}`, size: bytes.length },
  };
}

function sha256(bytes) {
  return createHash("sha256").update(bytes).digest("hex");
}

function writeLayout(dir, blobs, root) {
  mkdirSync(join(dir, "blobs", "sha256"), { recursive: true });
  for (const { bytes, descriptor } of blobs) {
    writeFileSync(join(dir, "blobs", "sha256", descriptor.digest.slice(7)), bytes);
  }
  writeFileSync(join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  writeFileSync(join(dir, "index.json"), JSON.stringify(layoutIndex([root])));
}

function layoutIndex(manifests) {
  return { schemaVersion: 2, mediaType: MEDIA.index, manifests };
}

/**
 * One architecture as a tar that `docker load` reads (manifest.json with the tag) and that is
 * also an OCI layout (index.json naming the tag), the way Docker 25+ writes `docker save`.
 */
function dockerArchive(image, tag, version, mtime) {
  const path = (b) => `blobs/sha256/${b.descriptor.digest.slice(7)}`;
  const json = (value) => Buffer.from(JSON.stringify(value));
  const root = {
    ...image.manifest.descriptor,
    annotations: {
      "io.containerd.image.name": `docker.io/library/${tag}`,
      "org.opencontainers.image.ref.name": version,
    },
  };
  const docker = [{ Config: path(image.config), RepoTags: [tag], Layers: image.layers.map(path) }];
  const entries = [
    { path: "blobs", type: "dir", mode: 0o755 },
    { path: "blobs/sha256", type: "dir", mode: 0o755 },
    ...image.blobs.map((b) => ({ path: path(b), type: "file", mode: 0o644, data: b.bytes })),
    { path: "index.json", type: "file", mode: 0o644, data: json(layoutIndex([root])) },
    { path: "manifest.json", type: "file", mode: 0o644, data: json(docker) },
    { path: "oci-layout", type: "file", mode: 0o644, data: json({ imageLayoutVersion: "1.0.0" }) },
  ];
  return tarArchive(entries, mtime);
}

function epochFromEnv() {
  const text = process.env.SOURCE_DATE_EPOCH;
  if (text === undefined || !/^\d+$/.test(text)) {
    throw new Error("image: set SOURCE_DATE_EPOCH (seconds; e.g. git log -1 --format=%ct)");
  }
  return Number(text);
}

// node scripts/release/image.mjs OUT_DIR amd64=dist/pullkey [arm64=PATH]: build the image.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [outDir, ...pairs] = process.argv.slice(2);
  if (!outDir || pairs.length === 0) {
    process.stderr.write("usage: node scripts/release/image.mjs OUT_DIR ARCH=EXECUTABLE...\n");
    process.exit(2);
  }
  const executables = Object.fromEntries(pairs.map((pair) => pair.split("=")));
  mkdirSync(outDir, { recursive: true });
  process.stdout.write(
    `${JSON.stringify(await buildInstallerImage({ executables, outDir }), null, 2)}\n`,
  );
}
