// The peers of the node tier (test/node): a real kubelet and crane built from the Go module
// proxy, Debian's containerd, runc and registry, and the one static program the tier's images
// run. The kubelet is the one of the Kubernetes build the cluster tier runs too (kubernetes.mjs);
// crane is built with the conformance harness's module graph (its go.mod requires
// k8s.io/kubernetes with a replace line per staging module) and Go's default caches, so the
// packages they share with the harness compile once. Binaries are cached outside the clone:
// the Kubernetes build and crane keyed by version, the image program by its source.
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { basename, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { HARNESS_DIR, peerCacheRoot } from "./conformance.mjs";
import { ensureDebianPackages } from "./debian.mjs";
import { ensureKubernetes, kubernetesVersion, requiredVersion } from "./kubernetes.mjs";
import { buildInto } from "./publish.mjs";
import { ensureRegistry, REGISTRY_BIN } from "./registry.mjs";
import { run } from "./run.mjs";

/** The source of the program inside the tier's images (pause and hello). */
export const IMAGE_PROGRAM_SOURCE = fileURLToPath(
  new URL("../../test/node/image/main.go", import.meta.url),
);

/** The kubelet release, read from the harness's go.mod so both test the same Kubernetes. */
export function kubeletVersion() {
  return kubernetesVersion();
}

/** The go-containerregistry release crane comes from (the harness's pull client's version). */
export function craneVersion() {
  return requiredVersion("github.com/google/go-containerregistry");
}

/**
 * Why this machine cannot run the node tier, or undefined when it can: it needs root, mount
 * namespaces, overlayfs and writable cgroups (the kubelet and containerd make their own).
 */
export async function nodeTierUnsupported() {
  if (process.platform !== "linux") return "the node tier needs Linux";
  if (process.getuid?.() !== 0) return "the node tier needs root (the kubelet and containerd do)";
  const ns = await run("unshare", ["--mount", "--propagation", "private", "true"]);
  if (ns.status !== 0) return `no private mount namespace (unshare --mount): ${ns.output.trim()}`;
  if (!readFileSync("/proc/filesystems", "utf8").includes("\toverlay\n")) {
    return "no overlayfs in this kernel (containerd's snapshotter and the node's private /etc need it)";
  }
  const cgroups = readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .filter((line) => / - cgroup2? /.test(line));
  if (cgroups.length === 0) return "no cgroup file system is mounted";
  if (cgroups.some((line) => /\sro[,\s]/.test(line.split(" ")[5] ?? ""))) {
    return "the cgroup file systems are mounted read-only";
  }
  return undefined;
}

/** Every peer of the node tier, installed or built on first use; resolves with their paths. */
export async function ensureNodePeers() {
  await ensureDebianPackages(
    [
      { binary: "/usr/bin/containerd", pkg: "containerd" },
      { binary: "/usr/bin/ctr", pkg: "containerd" },
      { binary: "/usr/bin/containerd-shim-runc-v2", pkg: "containerd" },
      { binary: "/usr/sbin/runc", pkg: "runc" },
    ],
    { why: "the node tier's container runtime" },
  );
  await ensureRegistry();
  return {
    containerd: "/usr/bin/containerd",
    ctr: "/usr/bin/ctr",
    registry: REGISTRY_BIN,
    imageProgram: await ensureImageProgram(),
    crane: await ensureCrane(),
    kubelet: await ensureKubelet(),
  };
}

/**
 * The kubelet binary: the one of the Kubernetes build (kubernetes.mjs), which the cluster tier
 * runs too, so the machine builds and links one kubelet (long when cold).
 */
export async function ensureKubelet() {
  return (await ensureKubernetes()).kubelet;
}

/** crane, built from go-containerregistry's cmd/crane on first use. */
export function ensureCrane() {
  return ensureGoBinary({
    name: "crane",
    key: `crane-${craneVersion()}`,
    pkg: "github.com/google/go-containerregistry/cmd/crane",
  });
}

/** The static program of the tier's images, keyed by a hash of its source. */
export function ensureImageProgram() {
  const hash = createHash("sha256").update(readFileSync(IMAGE_PROGRAM_SOURCE)).digest("hex");
  return ensureGoBinary({
    name: "node-image",
    key: `node-image-${hash.slice(0, 16)}`,
    file: IMAGE_PROGRAM_SOURCE,
  });
}

/**
 * Builds one Go binary into `<cache>/<key>/<name>` unless it is there. A package from the
 * module graph (`pkg`) is built in a scratch copy of the harness's go.mod/go.sum, which
 * -mod=mod may extend with the requirements the package needs; a lone `file` is built as is,
 * static. The finished folder is renamed into place, so parallel builders never see half a file.
 */
async function ensureGoBinary({ name, key, pkg, file }) {
  const dir = join(peerCacheRoot(), key);
  const binary = join(dir, name);
  if (existsSync(binary)) return binary;
  return buildInto({
    dir,
    binary,
    what: `${name} (${pkg ?? basename(file)}) with Go`,
    build: async (tmp) => {
      if (pkg) {
        const mod = join(tmp, "module");
        mkdirSync(mod);
        for (const f of ["go.mod", "go.sum"]) cpSync(join(HARNESS_DIR, f), join(mod, f));
        await go(["build", "-mod=mod", "-o", join(tmp, name), pkg], { cwd: mod });
        rmSync(mod, { recursive: true, force: true });
      } else {
        await go(["build", "-trimpath", "-ldflags=-s -w", "-o", join(tmp, name), file], {
          cwd: tmp,
          env: { ...process.env, CGO_ENABLED: "0", GO111MODULE: "off" },
        });
      }
    },
  });
}

async function go(args, options) {
  const result = await run("nice", ["-n", "10", "go", ...args], options);
  if (result.status !== 0) {
    throw new Error(`go ${args.join(" ")} exited ${result.status}:\n${result.output}`);
  }
}

// `node scripts/peers/node.mjs` provisions every node-tier peer and prints their paths.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const unsupported = await nodeTierUnsupported();
  if (unsupported) process.stdout.write(`node tier unsupported here: ${unsupported}\n`);
  else process.stdout.write(`${JSON.stringify(await ensureNodePeers(), null, 2)}\n`);
}
