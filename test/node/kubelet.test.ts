import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { kubeletVersion, nodeTierUnsupported } from "../../scripts/peers/node.mjs";
import { type RegistryRequest, USERS } from "./registry.js";
import { FRESH_PATH, useWorld, VAULT_PATH } from "./setup.js";

// A real kubelet (built from k8s.io/kubernetes), containerd and runc run static pods whose
// images live only in a password-protected registry; the kubelet gets the password from
// pullkey, installed by `pullkey install` and run by the kubelet as on a node. The scenarios
// share one node and run in order: the last ones rotate the password and stop the backend.

const unsupported = await nodeTierUnsupported();
if (unsupported) process.stderr.write(`node tier skipped: ${unsupported}\n`);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The registry's answers to manifest requests for `repo` (e.g. vault/hello), in order. */
const manifestRequests = (requests: RegistryRequest[], repo: string) =>
  requests.filter((r) => r.path.startsWith(`/v2/${repo}/manifests/`));

const podLine = (pod: string) => (line: string) =>
  line.includes(`pod="default/${pod}-pullkey-test-node"`) && line.includes("ErrImagePull");

describe.skipIf(unsupported !== undefined)(`a kubelet ${kubeletVersion()} node`, () => {
  const world = useWorld();

  it("runs a pod whose image only the registry's password opens, with the docker config's credential", async () => {
    const { node, registry } = world();
    const image = world().pushImage("dockercfg/hello:1");
    node.runPod("dockercfg", image);
    await node.waitForContainerLine("dockercfg", `hello from ${image}`);
    const pulls = manifestRequests(registry.requests(), "dockercfg/hello");
    expect(pulls.filter((r) => r.status === 200).map((r) => r.user)).toContain("node-puller");
    expect(pulls.filter((r) => r.status === 200 && r.user === "-")).toEqual([]);
  });

  it("fails the pull with ErrImagePull when the credential's password is wrong (401 at the registry)", async () => {
    const { node, registry } = world();
    const image = world().pushImage("wrong/hello:1");
    node.runPod("wrong", image);
    await node.waitForKubeletLine(podLine("wrong"));
    node.removePod("wrong");
    const pulls = manifestRequests(registry.requests(), "wrong/hello");
    expect(pulls.map((r) => [r.user, r.status])).toContainEqual(["node-puller", 401]);
    expect(pulls.filter((r) => r.status === 200)).toEqual([]);
  });

  it.each([
    { source: "OpenBao's KV v2 secret, logging in with AppRole", repo: "vault/hello" },
    { source: "AWS Secrets Manager (moto)", repo: "aws/hello" },
  ])("runs a pod with the credential from $source", async ({ repo }) => {
    const { node, registry } = world();
    const image = world().pushImage(`${repo}:1`);
    const pod = repo.split("/")[0] ?? "";
    node.runPod(pod, image);
    await node.waitForContainerLine(pod, `hello from ${image}`);
    const pulls = manifestRequests(registry.requests(), repo).filter((r) => r.status === 200);
    expect(pulls.map((r) => r.user)).toContain("node-puller");
  });

  it("pulls after a kubelet restart from pullkey's own cache, without asking the backend", async () => {
    const { node, registry, vault } = world();
    const reads = () => vault.reads(`secret/data/${FRESH_PATH}`);
    const readsAtStart = reads();
    const first = world().pushImage("fresh/hello:1");
    node.runPod("fresh-1", first);
    await node.waitForContainerLine("fresh-1", `hello from ${first}`);
    expect(reads() - readsAtStart).toBe(1);

    // The kubelet keeps plugin answers in memory only: after a restart it must exec pullkey.
    await node.restartKubelet();
    const second = world().pushImage("fresh/hello:2");
    node.runPod("fresh-2", second);
    await node.waitForContainerLine("fresh-2", `hello from ${second}`);
    expect(reads() - readsAtStart).toBe(1);
    expect(node.pullkeyLog()).toMatch(/image=\S+\/fresh\/hello rule=vault-fresh .*origin=cache/);
    const pulls = registry.requests().filter((r) => r.path === "/v2/fresh/hello/manifests/2");
    expect(pulls.filter((r) => r.status === 200).map((r) => r.user)).toContain("node-puller");
  });

  // A pull-through cache for Docker Hub: containerd's hosts.toml for docker.io names the local
  // registry as a mirror, and pullkey's Docker Hub rule answers with the mirror's password. The
  // kubelet asks pullkey for docker.io/e2e/hello, never for the mirror, and hands containerd the
  // credential without a server address (credentialprovider keyring), so containerd 1.6 offers
  // it to every host of that pull: the mirror sees the Docker Hub credential.
  it("sends the credential answered for docker.io to the Docker Hub mirror in containerd's hosts.toml", async () => {
    const { node, registry } = world();
    const pushed = world().pushImage("e2e/hello:1");
    node.runPod("mirror", "e2e/hello:1");
    await node.waitForContainerLine("mirror", `hello from ${pushed}`);
    const pulls = registry.requests().filter((r) => r.path.startsWith("/v2/e2e/hello/manifests/1"));
    expect(pulls.some((r) => r.path.includes("ns=docker.io"))).toBe(true);
    expect(node.pullkeyLog()).toContain("image=docker.io/e2e/hello rule=dockerhub-mirror");
    expect(pulls.filter((r) => r.status === 200).map((r) => r.user)).toContain("node-puller");
  });

  it("rotates the password at the source and the registry; a new pod pulls with it, nothing on the node touched", async () => {
    const { node, registry, vault } = world();
    const tree = treeDigest(node.installed.tree);
    const kubelet = node.kubeletPid();
    await vault.writeSecret(`secret/${VAULT_PATH}`, {
      username: USERS.rotated.user,
      password: USERS.rotated.password,
    });
    await registry.restart([USERS.pusher, USERS.rotated]);
    await sleep(2_500); // the vault rule's cacheDuration is 2s, for pullkey and the kubelet
    const image = world().pushImage("vault/hello:rotated");
    node.runPod("rotated", image);
    await node.waitForContainerLine("rotated", `hello from ${image}`);
    // Only the new password opens the registry now, so this 200 is the rotated credential's.
    const pulls = registry.requests().filter((r) => r.path === "/v2/vault/hello/manifests/rotated");
    expect(pulls.filter((r) => r.status === 200).map((r) => r.user)).toContain("node-puller");
    expect(treeDigest(node.installed.tree)).toBe(tree);
    expect(node.kubeletPid()).toBe(kubelet);
  });

  it("serves the stale credential while the backend is down; with the cache off the pull fails with pullkey's line in the kubelet log", async () => {
    const { node, vault } = world();
    await vault.stop();
    await sleep(2_500);
    const stale = world().pushImage("vault/hello:outage");
    node.runPod("outage", stale);
    await node.waitForContainerLine("outage", `hello from ${stale}`);

    world().editPullkeyConfig((text) =>
      JSON.stringify({ ...JSON.parse(text), cache: { enabled: false } }),
    );
    // A repository of its own: the kubelet still caches the stale answer for vault/hello.
    const image = world().pushImage("vault/no-cache:1");
    node.runPod("no-cache", image);
    const line = await node.waitForKubeletLine((l) => /pullkey: SOURCE_[A-Z_]+: /.test(l));
    expect(line).toMatch(/pullkey: SOURCE_UNREACHABLE: .*127\.0\.0\.1/);
    await node.waitForKubeletLine(podLine("no-cache"));
    node.removePod("no-cache");
  });

  it("never writes a secret to the kubelet's, containerd's or the registry's log, or the installer's output", () => {
    const { node, dir } = world();
    const logs = readdirSync(join(node.dir, "logs")).map((f) =>
      readFileSync(join(node.dir, "logs", f), "utf8"),
    );
    logs.push(readFileSync(join(dir, "registry", "registry.log"), "utf8"), node.installed.output);
    for (const secret of world().secrets()) {
      for (const log of logs) expect(log.includes(secret), "a log carries a secret").toBe(false);
    }
  });
});

/** A digest of every file's path, mode and bytes under the node tree. */
function treeDigest(root: string): string {
  const hash = createHash("sha256");
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const stat = statSync(path);
      hash.update(`${path}\0${stat.mode}\0`);
      if (stat.isDirectory()) walk(path);
      else hash.update(readFileSync(path));
    }
  };
  walk(root);
  return hash.digest("hex");
}
