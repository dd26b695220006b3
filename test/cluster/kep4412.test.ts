import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { clusterTierUnsupported } from "../../scripts/peers/cluster.mjs";
import { kubernetesVersion } from "../../scripts/peers/kubernetes.mjs";
import { PULLKEY } from "../node/install.js";
import { type RegistryRequest, USERS } from "../node/registry.js";
import { ACCOUNT, assumedRoles } from "../sources/aws-secrets-manager/moto-fixtures.js";
import type { ControlPlane } from "./control-plane.js";
import { AUDIENCE_RBAC, AWS_ROLE_ANNOTATION, TEAM_A_ROTATED, TEAM_USERS } from "./objects.js";
import { type PodSpec, podEvents, runPod, waitForPodReady, waitForPullFailure } from "./pods.js";
import { useCluster } from "./setup.js";
import { AUDIENCE, JWT_MOUNT, MOUNTS } from "./vault-jwt.js";

// A real single-node cluster (etcd, API server, controller-manager, scheduler, the kubelet and
// containerd) in service-account mode (KEP-4412): the kubelet asks the API server for a token
// bound to the pod, with the audience pullkey's Vault role accepts, and hands it to pullkey,
// which logs in to Vault as the pod's service account and reads that namespace's secret.

const execFileAsync = promisify(execFile);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const unsupported = await clusterTierUnsupported();
if (unsupported) process.stderr.write(`cluster tier skipped: ${unsupported}\n`);

/** The registry's answers to manifest requests for `path` (e.g. /v2/teams/hello/manifests/a). */
const manifestUsers = (requests: RegistryRequest[], path: string) =>
  requests.filter((r) => r.path === path && r.status === 200).map((r) => r.user);

/** One check of `pullkey doctor --root <node tree> --json`, run as on the node. */
async function doctorCheck(tree: string, id: string): Promise<{ status: string; summary: string }> {
  const result = await execFileAsync(PULLKEY, ["doctor", "--root", tree, "--json"], {
    timeout: 30_000,
  }).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? "" }));
  const report = JSON.parse(result.stdout) as {
    checks: { id: string; status: string; summary: string }[];
  };
  const check = report.checks.find((c) => c.id === id);
  if (!check) throw new Error(`doctor reported no ${id} check: ${result.stdout}`);
  return check;
}

/** A service account whose annotation names an AWS role (what the kubelet passes to pullkey). */
async function annotatedServiceAccount(
  plane: ControlPlane,
  namespace: string,
  name: string,
  role: string,
) {
  await plane.kubectl(
    ["apply", "-f", "-"],
    `apiVersion: v1
kind: ServiceAccount
metadata:
  name: ${name}
  namespace: ${namespace}
  annotations:
    ${AWS_ROLE_ANNOTATION}: ${role}
`,
  );
}

const pod = (namespace: string, name: string, image: string): PodSpec => ({
  namespace,
  name,
  serviceAccount: "builder",
  image,
});

describe.skipIf(unsupported !== undefined)(
  `a kubelet ${kubernetesVersion()} joined to a real API server, in service-account mode`,
  () => {
    const world = useCluster();

    it("pulls each team's pod with its own namespace's credential, read from Vault with the pod's own token", async () => {
      const { plane, registry, vault } = world();
      const logins = vault.logins(JWT_MOUNT);
      const pods = Object.keys(TEAM_USERS).map((team) =>
        pod(team, "hello", world().pushImage(`teams/hello:${team}`)),
      );
      for (const p of pods) await runPod(plane, p);
      for (const p of pods) await waitForPodReady(plane, p);
      for (const [team, user] of Object.entries(TEAM_USERS)) {
        const users = manifestUsers(registry.requests(), `/v2/teams/hello/manifests/${team}`);
        expect(users, `${team}'s pull`).toEqual([user.user]);
      }
      // One login per service account: the tokens Vault's JWT auth verified with the API
      // server's service-account key.
      expect(vault.logins(JWT_MOUNT) - logins).toBe(2);
    });

    it.each([
      {
        how: "JWT auth that fetches the API server's keys from /openid/v1/jwks with its CA",
        team: "team-b",
        repo: "jwks",
        mount: MOUNTS.jwks,
      },
      {
        how: "Kubernetes auth, which has the API server's TokenReview check the token",
        team: "team-a",
        repo: "tokenreview",
        mount: MOUNTS.tokenReview,
      },
    ] as const)("pulls with the pod's token through $how", async ({ team, repo, mount }) => {
      const { plane, registry, vault } = world();
      const logins = vault.logins(mount);
      const p = pod(team, repo, world().pushImage(`${repo}/hello:${team}`));
      await runPod(plane, p);
      await waitForPodReady(plane, p);
      const users = manifestUsers(registry.requests(), `/v2/${repo}/hello/manifests/${team}`);
      expect(users).toEqual([TEAM_USERS[team].user]);
      expect(vault.logins(mount) - logins).toBe(1);
    });

    it("assumes the AWS role its service account's annotation names with the pod's token (AssumeRoleWithWebIdentity) and pulls with the secret that role reads", async () => {
      const { plane, registry, moto } = world();
      const role = `arn:aws:iam::${ACCOUNT}:role/cluster-team-pull`;
      await annotatedServiceAccount(plane, "team-a", "aws-builder", role);
      const p = {
        ...pod("team-a", "aws", world().pushImage("aws/hello:team-a")),
        serviceAccount: "aws-builder",
      };
      await runPod(plane, p);
      await waitForPodReady(plane, p);
      expect(await assumedRoles(moto)).toContainEqual({
        role,
        session: "pullkey-team-a-aws-builder",
      });
      const users = manifestUsers(registry.requests(), "/v2/aws/hello/manifests/team-a");
      expect(users).toEqual([TEAM_USERS["team-b"].user]);
    });

    it("refuses an annotation naming a role outside allowedRoleArns: the pull fails with pullkey's SOURCE_DENIED line, nothing sent to AWS", async () => {
      const { plane, node, moto } = world();
      const role = `arn:aws:iam::${ACCOUNT}:role/cluster-other-pull`;
      await annotatedServiceAccount(plane, "team-b", "aws-intruder", role);
      const p = {
        ...pod("team-b", "aws-intruder", world().pushImage("aws/hello:intruder")),
        serviceAccount: "aws-intruder",
      };
      await runPod(plane, p);
      await waitForPullFailure(plane, p);
      const line = await node.waitForKubeletLine((l) => /pullkey: SOURCE_DENIED: /.test(l));
      expect(line).toContain("not in the rule's allowedRoleArns");
      expect((await assumedRoles(moto)).map((r) => r.role)).not.toContain(role);
    });

    it("refuses a service account Vault's role does not bind: the pull fails with pullkey's line in the kubelet's log", async () => {
      const { plane, node } = world();
      const p = pod("outsiders", "hello", world().pushImage("teams/hello:outsiders"));
      await runPod(plane, p);
      expect(await waitForPullFailure(plane, p)).toMatch(/ErrImagePull|ImagePullBackOff/);
      const line = await node.waitForKubeletLine((l) =>
        /pullkey: SOURCE_[A-Z_]+: .*rule "teams"/.test(l),
      );
      expect(line).toMatch(/pullkey: SOURCE_AUTH_FAILED: .*auth\/kubernetes-jwt .*bound claim/);
      expect(await podEvents(plane, p)).toContain("Failed");
    });

    it("pullkey doctor on the node confirms with the kubelet's own credentials that it may request tokens for the audience", async () => {
      const check = await doctorCheck(world().node.installed.tree, "kubelet-token-audience");
      expect(check.status).toBe("ok");
      expect(check.summary).toContain(`audience "${AUDIENCE}"`);
    });

    it("without the RBAC grant the kubelet never runs pullkey and pulls without credentials; doctor names the ClusterRole and binding to add", async () => {
      const { plane, node, registry } = world();
      await plane.kubectl(["delete", "clusterrolebinding", "kubelet-image-pull-audience"]);
      try {
        const execs = node.pullkeyLog();
        // A service account of its own: the kubelet has no cached answer for it.
        await plane.kubectl(["create", "serviceaccount", "-n", "team-a", "ungranted"]);
        const p = {
          ...pod("team-a", "ungranted", world().pushImage("teams/hello:ungranted")),
          serviceAccount: "ungranted",
        };
        await runPod(plane, p);
        await waitForPullFailure(plane, p);
        // The kubelet's only trace: the API server refused its token request.
        const line = await node.waitForKubeletLine((l) =>
          l.includes("is not authorized to request tokens for audience"),
        );
        expect(line).toContain(`serviceAccount="team-a/ungranted"`);
        expect(line).toContain(AUDIENCE);
        expect(node.pullkeyLog()).toBe(execs);
        const pulls = registry
          .requests()
          .filter((r) => r.path === "/v2/teams/hello/manifests/ungranted");
        expect(pulls.length).toBeGreaterThan(0);
        // Only anonymous pulls (and the push): no credential reached the registry.
        expect(pulls.filter((r) => r.user !== "-" && r.user !== USERS.pusher.user)).toEqual([]);

        const check = await doctorCheck(node.installed.tree, "kubelet-token-audience");
        expect(check.status).toBe("fail");
        expect(check.summary).toMatch(
          /ClusterRole with .*\[".*image-pull"\].*ClusterRoleBinding .*system:nodes/,
        );
      } finally {
        await plane.kubectl(["apply", "-f", "-"], AUDIENCE_RBAC);
      }
    });

    it("rotates team-a's secret in Vault: after cacheDuration a new team-a pod pulls with the new password, team-b's pods as before", async () => {
      const { plane, registry, vault } = world();
      await vault.writeSecret("secret/teams/team-a/registry", {
        username: TEAM_A_ROTATED.user,
        password: TEAM_A_ROTATED.password,
      });
      await registry.restart([USERS.pusher, TEAM_A_ROTATED, TEAM_USERS["team-b"]]);
      await sleep(2_500); // the rules' cacheDuration is 2s, for pullkey and the kubelet
      const pods = [
        pod("team-a", "rotated", world().pushImage("teams/hello:rotated-a")),
        pod("team-b", "rotated", world().pushImage("teams/hello:rotated-b")),
      ];
      for (const p of pods) await runPod(plane, p);
      for (const p of pods) await waitForPodReady(plane, p);
      // Only the new password opens team-a-puller now, so this 200 is the rotated credential's.
      const requests = registry.requests();
      expect(manifestUsers(requests, "/v2/teams/hello/manifests/rotated-a")).toEqual([
        TEAM_A_ROTATED.user,
      ]);
      expect(manifestUsers(requests, "/v2/teams/hello/manifests/rotated-b")).toEqual([
        TEAM_USERS["team-b"].user,
      ]);
    });

    it("never writes a secret to the kubelet's, containerd's, the control plane's or the registry's log", () => {
      const { node, plane } = world();
      const logs = [node.kubeletLog(), node.pullkeyLog()];
      for (const name of readdirSync(join(node.dir, "logs"))) {
        logs.push(readFileSync(join(node.dir, "logs", name), "utf8"));
      }
      for (const name of [
        "etcd",
        "kube-apiserver",
        "kube-controller-manager",
        "kube-scheduler",
      ] as const) {
        logs.push(plane.logs(name));
      }
      for (const secret of world().secrets()) {
        for (const log of logs) expect(log.includes(secret), "a log carries a secret").toBe(false);
      }
    });
  },
);
