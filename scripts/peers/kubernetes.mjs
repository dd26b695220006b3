// The Kubernetes binaries the node and cluster tiers run: kube-apiserver, kube-controller-manager,
// kube-scheduler, kubectl, the kubelet and etcd, from ONE `go build` in the conformance
// harness's module graph (its go.mod requires k8s.io/kubernetes with a replace line per staging
// module, and etcd's server module is already in that graph). Go's default caches are shared with
// the harness, so the packages they have in common compile once per machine. The binaries are
// stamped with their release (kubectl and the installer's `kubelet --version` parse it) and
// cached outside the clone in one folder keyed by the Kubernetes and etcd versions.
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { HARNESS_DIR, peerCacheRoot } from "./conformance.mjs";
import { publishBuild, sweepAbandoned } from "./publish.mjs";
import { run } from "./run.mjs";

const log = (line) => process.stderr.write(`peers: ${line}\n`);

/** The programs of one build, each named as its binary; `pkg` is its Go main package. */
const PROGRAMS = [
  { name: "kube-apiserver", pkg: "k8s.io/kubernetes/cmd/kube-apiserver" },
  { name: "kube-controller-manager", pkg: "k8s.io/kubernetes/cmd/kube-controller-manager" },
  { name: "kube-scheduler", pkg: "k8s.io/kubernetes/cmd/kube-scheduler" },
  { name: "kubectl", pkg: "k8s.io/kubernetes/cmd/kubectl" },
  { name: "kubelet", pkg: "k8s.io/kubernetes/cmd/kubelet" },
  // etcd's server module is a main package; `go build` names its binary after the module
  // path's last element without the major version ("server"), so it is renamed.
  { name: "etcd", pkg: "go.etcd.io/etcd/server/v3", built: "server" },
];

/** The Kubernetes release, read from the harness's go.mod so every tier tests the same one. */
export function kubernetesVersion() {
  return requiredVersion("k8s.io/kubernetes");
}

/** The etcd release: the one the Kubernetes release's own module graph requires. */
export function etcdVersion() {
  return requiredVersion("go.etcd.io/etcd/api/v3");
}

export function requiredVersion(module) {
  const text = readFileSync(join(HARNESS_DIR, "go.mod"), "utf8");
  const escaped = module.replace(/[.]/g, "\\.");
  const version = new RegExp(`^\\s*${escaped} (v\\S+)`, "m").exec(text)?.[1];
  if (!version) throw new Error(`test/conformance/go.mod does not require ${module}`);
  return version;
}

/** Where this release's binaries live once built. */
export function kubernetesDir() {
  return join(peerCacheRoot(), `kubernetes-${kubernetesVersion()}-etcd-${etcdVersion()}`);
}

/**
 * The `-X` flags that stamp the release into k8s.io/component-base/version and client-go's copy;
 * without them every binary reports v0.0.0-master+$Format:%H$, which kubectl cannot parse.
 */
export function versionLdflags(version = kubernetesVersion()) {
  const [major, minor] = version.replace(/^v/, "").split(".");
  return ["k8s.io/component-base/version", "k8s.io/client-go/pkg/version"]
    .flatMap((pkg) => [
      `-X ${pkg}.gitVersion=${version}`,
      `-X ${pkg}.gitMajor=${major}`,
      `-X ${pkg}.gitMinor=${minor}`,
      `-X ${pkg}.gitTreeState=clean`,
    ])
    .join(" ");
}

/**
 * Returns the path of each binary ({ "kube-apiserver": ..., etcd: ... }), building all six on
 * first use: about 50 CPU-minutes on a cold machine, seconds when Go's build cache is warm. The
 * build is niced to the bottom (the machine is shared) and published by renaming its folder.
 */
export async function ensureKubernetes() {
  const dir = kubernetesDir();
  const paths = Object.fromEntries(PROGRAMS.map((p) => [p.name, join(dir, p.name)]));
  if (PROGRAMS.every((p) => existsSync(paths[p.name]))) return paths;
  sweepAbandoned(dir);
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  const mod = join(tmp, "module");
  mkdirSync(mod, { recursive: true });
  const started = Date.now();
  log(
    `building Kubernetes ${kubernetesVersion()} (apiserver, controller-manager, scheduler, kubectl, kubelet) and etcd ${etcdVersion()} with Go; the first build takes many minutes`,
  );
  try {
    for (const f of ["go.mod", "go.sum"]) cpSync(join(HARNESS_DIR, f), join(mod, f));
    // Pin etcd's server module to the graph's etcd release rather than whatever -mod=mod finds.
    await go(["mod", "edit", `-require=go.etcd.io/etcd/server/v3@${etcdVersion()}`], mod);
    await go(
      [
        "build",
        "-mod=mod",
        `-ldflags=${versionLdflags()}`,
        "-o",
        `${tmp}/`,
        ...PROGRAMS.map((p) => p.pkg),
      ],
      mod,
    );
    for (const p of PROGRAMS) if (p.built) renameSync(join(tmp, p.built), join(tmp, p.name));
    rmSync(mod, { recursive: true, force: true });
    const version = await run(join(tmp, "kubectl"), ["version", "--client"]);
    if (!version.output.includes(kubernetesVersion())) {
      throw new Error(
        `kubectl version --client did not report ${kubernetesVersion()}:\n${version.output}`,
      );
    }
  } catch (error) {
    rmSync(tmp, { recursive: true, force: true });
    throw error;
  }
  publishBuild(tmp, dir, paths.kubectl);
  log(
    `built the Kubernetes binaries into ${dir} in ${((Date.now() - started) / 1000).toFixed(0)} s`,
  );
  return paths;
}

async function go(args, cwd) {
  // nice 19: a cold build is tens of CPU-minutes on a machine other work shares.
  const result = await run("nice", ["-n", "19", "go", ...args], { cwd });
  if (result.status !== 0) {
    throw new Error(`go ${args.join(" ")} exited ${result.status}:\n${result.output}`);
  }
}

// `node scripts/peers/kubernetes.mjs` builds (or finds) the binaries and prints their paths.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(`${JSON.stringify(await ensureKubernetes(), null, 2)}\n`);
}
