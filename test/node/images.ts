import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { User } from "./registry.js";

/**
 * The tier's images, written as docker-archive tarballs (what `docker save` makes, and what
 * `ctr images import` and `crane push` read): one layer holding the static image program at
 * /peer, and a config whose entrypoint picks its mode. PULLKEY_IMAGE in the config makes each
 * image's digest its own, so every pushed name is a pull the node has not seen.
 */

/** Writes `<dir>/<file>.tar` for `name` (what RepoTags says) and returns its path. */
export function imageTarball(
  program: string,
  dir: string,
  file: string,
  { name, mode }: { name: string; mode: "pause" | "hello" },
): string {
  const work = join(dir, `${file}.d`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(join(work, "rootfs"), { recursive: true });
  copyFileSync(program, join(work, "rootfs", "peer"));
  // Fixed owner and time: the layer is the same bytes on every run.
  execFileSync("tar", [
    "--owner=0",
    "--group=0",
    "--numeric-owner",
    "--mtime=@0",
    "--mode=0755",
    "-cf",
    join(work, "layer.tar"),
    "-C",
    join(work, "rootfs"),
    "peer",
  ]);
  rmSync(join(work, "rootfs"), { recursive: true });
  const layerDigest = sha256(readFileSync(join(work, "layer.tar")));
  const config = JSON.stringify({
    architecture: "amd64",
    os: "linux",
    config: { Entrypoint: ["/peer", mode], Env: [`PULLKEY_IMAGE=${name}`] },
    rootfs: { type: "layers", diff_ids: [`sha256:${layerDigest}`] },
  });
  const configFile = `${sha256(Buffer.from(config))}.json`;
  writeFileSync(join(work, configFile), config);
  writeFileSync(
    join(work, "manifest.json"),
    JSON.stringify([{ Config: configFile, RepoTags: [name], Layers: ["layer.tar"] }]),
  );
  const tarball = join(dir, `${file}.tar`);
  execFileSync("tar", ["-cf", tarball, "-C", work, "manifest.json", configFile, "layer.tar"]);
  rmSync(work, { recursive: true });
  return tarball;
}

/**
 * Pushes a tarball to a plain-HTTP registry with crane, as `user` (through a docker config in
 * a folder of its own, so the developer's credentials are never read or written).
 */
export function push(crane: string, dir: string, tarball: string, ref: string, user: User): void {
  const dockerConfig = join(dir, "pusher-docker-config");
  mkdirSync(dockerConfig, { recursive: true });
  const host = ref.split("/")[0] ?? "";
  const auth = Buffer.from(`${user.user}:${user.password}`).toString("base64");
  writeFileSync(
    join(dockerConfig, "config.json"),
    JSON.stringify({ auths: { [host]: { auth } } }),
    { mode: 0o600 },
  );
  execFileSync(crane, ["push", "--insecure", tarball, ref], {
    env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", DOCKER_CONFIG: dockerConfig, HOME: dir },
    stdio: ["ignore", "ignore", "pipe"],
    timeout: 60_000,
  });
}

function sha256(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}
