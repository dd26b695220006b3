import { join } from "node:path";

/**
 * The files a test node runs from, rendered from its folder `dir`. Pure: node.ts writes them.
 * What each setting works around on a test machine (cgroup v1, no CAP_SYS_RESOURCE, no
 * internet) is said next to it.
 */

/** The node name; static pods are named `<pod>-<node>`. */
export const NODE_NAME = "pullkey-test-node";

/** The sandbox image, imported with ctr (registry.k8s.io cannot be reached). */
export const PAUSE_IMAGE = "pullkey.test/pause:1";

/**
 * Sysctls the kubelet sets at start-up when they differ (container_manager_linux.go,
 * setupKernelTunables), with the values it wants: files holding these are bind-mounted over
 * /proc/sys in the node's mount namespace, so the kubelet finds them set and the host's stay.
 */
export const KUBELET_SYSCTLS: Record<string, string> = {
  "vm/overcommit_memory": "1",
  "vm/panic_on_oom": "0",
  "kernel/panic": "10",
  "kernel/panic_on_oops": "1",
  "kernel/keys/root_maxkeys": "1000000",
  "kernel/keys/root_maxbytes": "25000000",
};

/**
 * Host folders the node may write, each overlaid in its mount namespace with an upper folder
 * under `<dir>/ns/<name>`: the kubelet's /var/lib/kubelet (device-plugins is a fixed path),
 * /var/log/pods and /var/log/containers, pullkey's default stateDir /var/lib/pullkey, and /etc
 * and /usr/local, where the installer's files are bind-mounted.
 */
export const OVERLAID = [
  { path: "/etc", name: "etc" },
  { path: "/usr/local", name: "usr-local" },
  { path: "/var/lib", name: "var-lib" },
  { path: "/var/log", name: "var-log" },
] as const;

/** Where the node's writes to an overlaid host folder land, seen from the host. */
export function upperDir(dir: string, hostPath: string): string {
  const overlay = OVERLAID.find((o) => hostPath === o.path || hostPath.startsWith(`${o.path}/`));
  if (!overlay) throw new Error(`${hostPath} is not in a folder the test node overlays`);
  return join(dir, "ns", overlay.name, "upper", hostPath.slice(overlay.path.length));
}

export const containerdSocket = (dir: string) => join(dir, "containerd", "containerd.sock");

/** containerd 1.6's config: its own root, state and socket, CRI with runc and hosts.toml. */
export function containerdConfig(dir: string): string {
  const cri = 'plugins."io.containerd.grpc.v1.cri"';
  return `version = 2
root = "${join(dir, "containerd", "root")}"
state = "${join(dir, "containerd", "state")}"
# The opt plugin would create /opt/containerd on the host; the others need kernels we lack.
disabled_plugins = ["io.containerd.internal.v1.opt", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.tracing.processor.v1.otlp"]

[grpc]
  address = "${containerdSocket(dir)}"

[ttrpc]
  address = "${join(dir, "containerd", "ttrpc.sock")}"

[metrics]
  address = ""

[${cri}]
  sandbox_image = "${PAUSE_IMAGE}"
  # runc cannot lower oom_score_adj without CAP_SYS_RESOURCE ("can't get final child's PID
  # from pipe: EOF"); restricting it to no lower than containerd's own avoids that.
  restrict_oom_score_adj = true
  enable_selinux = false
  disable_apparmor = true
  [${cri}.containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [${cri}.containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
  [${cri}.cni]
    bin_dir = "${join(dir, "cni", "bin")}"
    conf_dir = "${join(dir, "cni", "conf")}"
  [${cri}.registry]
    config_path = "${join(dir, "containerd", "certs.d")}"
`;
}

/** hosts.toml for a plain-HTTP loopback registry, or for a registry and its mirror. */
export function hostsToml(server: string, mirror?: string): string {
  const host = mirror ?? server;
  return `server = "${server}"

[host."${host}"]
  capabilities = ["pull", "resolve"]
`;
}

/** The KubeletConfiguration of a standalone kubelet (no API server, static pods only). */
export function kubeletConfig(
  dir: string,
  { cgroupRoot, healthzPort }: { cgroupRoot: string; healthzPort: number },
): string {
  return `apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
staticPodPath: ${join(dir, "manifests")}
fileCheckFrequency: 1s
syncFrequency: 10s
# Loopback only, and no kubelet API at all: the tests read logs and files.
address: 127.0.0.1
enableServer: false
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: ${healthzPort}
authentication:
  anonymous:
    enabled: true
  webhook:
    enabled: false
authorization:
  mode: AlwaysAllow
containerRuntimeEndpoint: unix://${containerdSocket(dir)}
cgroupDriver: cgroupfs
cgroupRoot: ${cgroupRoot}
# Kubernetes 1.35+ refuses cgroup v1 unless told otherwise; test machines may still have it.
failCgroupV1: false
failSwapOn: false
resolvConf: ""
# Never garbage-collect the imported pause image, never evict the tiny test pods.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard:
  memory.available: "1Mi"
  nodefs.available: "1%"
  imagefs.available: "1%"
  nodefs.inodesFree: "1%"
`;
}

/** The systemd unit of the node tree: how this node runs its kubelet, before pullkey's drop-in. */
export function kubeletUnit(kubelet: string, dir: string, flags: string[] = []): string {
  const extra = flags.map((f) => ` ${f}`).join("");
  return `[Unit]
Description=Kubernetes Kubelet (pullkey node tier)

[Service]
ExecStart=${kubelet} --config=${join(dir, "kubelet-config.yaml")} --hostname-override=${NODE_NAME} --v=2${extra}
Restart=always

[Install]
WantedBy=multi-user.target
`;
}

/** A static pod running one container of `image`, on the host network (no CNI here). */
export function podManifest(name: string, image: string): string {
  return `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  namespace: default
spec:
  hostNetwork: true
  terminationGracePeriodSeconds: 1
  containers:
    - name: hello
      image: ${image}
      imagePullPolicy: Always
`;
}

/**
 * The script that becomes containerd inside the node's private mount namespace: the overlays,
 * the installer's folders bound at their node paths, a private /run (containerd's shim sockets
 * live in /run/containerd/s whatever its state folder), the masked sysctls, then exec.
 */
export function namespaceScript(
  dir: string,
  { binds, containerd }: { binds: { from: string; to: string }[]; containerd: string },
): string {
  const q = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;
  const lines = ["set -eu"];
  for (const o of OVERLAID) {
    const base = join(dir, "ns", o.name);
    lines.push(
      `mount -t overlay overlay -o ${q(`lowerdir=${o.path},upperdir=${base}/upper,workdir=${base}/work`)} ${o.path}`,
    );
  }
  for (const b of binds) lines.push(`mkdir -p ${q(b.to)}`, `mount --bind ${q(b.from)} ${q(b.to)}`);
  lines.push("mount -t tmpfs -o mode=0755 tmpfs /run");
  for (const name of Object.keys(KUBELET_SYSCTLS)) {
    lines.push(
      `mount --bind ${q(join(dir, "sysctl", name.replace(/\//g, ".")))} /proc/sys/${name}`,
    );
  }
  lines.push(`exec ${q(containerd)} --config ${q(join(dir, "containerd", "config.toml"))}`);
  return `${lines.join("\n")}\n`;
}
