import { afterAll, describe, expect, it } from "vitest";
import { readKubeconfig, tokenAudienceCheck } from "../../provider/doctor/token-audience.js";
import { rootedFs } from "../../provider/node/fs.js";
import { freePort } from "../node/registry.js";
import { removeTemps, tempDir, writeTree } from "./harness.js";

// The kubelet-token-audience check reads the kubelet's kubeconfig from the node tree and asks
// the API server a SelfSubjectAccessReview; the cluster tier (test/cluster) runs it against a
// real API server with and without the RBAC grant. Here: how it reads kubeconfigs as kubeadm,
// k3s and hand-made nodes write them, and what it says when it cannot ask.

afterAll(() => removeTemps());

const CERT = "-----BEGIN CERTIFICATE-----\nMIIB-test-cert\n-----END CERTIFICATE-----\n";
const KEY = "-----BEGIN PRIVATE KEY-----\nMIIE-test-private-key-7d1c\n-----END PRIVATE KEY-----\n";
const b64 = (text: string) => Buffer.from(text).toString("base64");

const kubeconfig = (cluster: string, user: string, extra = "") => `apiVersion: v1
kind: Config
clusters:
  - name: other
    cluster: {server: "https://10.0.0.9:6443"}
  - name: main
    cluster:
${cluster}
users:
  - name: other
    user: {token: not-this-one}
  - name: node
    user:
${user}
contexts:
  - name: other
    context: {cluster: other, user: other}
  - name: node
    context: {cluster: main, user: node}
current-context: node
${extra}`;

const tree = (files: Record<string, string>) =>
  rootedFs(writeTree(tempDir("token-audience"), files));

describe("the kubelet's kubeconfig as doctor reads it", () => {
  it.each([
    {
      layout: "kubeadm's kubelet.conf: the CA embedded, certificate and key in one rotated file",
      files: {
        "/etc/kubernetes/kubelet.conf": kubeconfig(
          `      server: https://127.0.0.1:6443\n      certificate-authority-data: ${b64(CERT)}`,
          "      client-certificate: /var/lib/kubelet/pki/kubelet-client-current.pem\n      client-key: /var/lib/kubelet/pki/kubelet-client-current.pem",
        ),
        "/var/lib/kubelet/pki/kubelet-client-current.pem": `${CERT}${KEY}`,
      },
      expected: { ca: CERT, cert: `${CERT}${KEY}`, key: `${CERT}${KEY}` },
    },
    {
      layout: "everything embedded, as an admin copies a kubeconfig",
      files: {
        "/etc/kubernetes/kubelet.conf": kubeconfig(
          `      server: https://127.0.0.1:6443\n      certificate-authority-data: ${b64(CERT)}`,
          `      client-certificate-data: ${b64(CERT)}\n      client-key-data: ${b64(KEY)}`,
        ),
      },
      expected: { ca: CERT, cert: CERT, key: KEY },
    },
    {
      layout: "relative paths, resolved against the kubeconfig's folder, and a token file",
      files: {
        "/etc/kubernetes/kubelet.conf": kubeconfig(
          "      server: https://127.0.0.1:6443\n      certificate-authority: pki/ca.crt",
          "      tokenFile: ../token",
        ),
        "/etc/kubernetes/pki/ca.crt": CERT,
        "/etc/token": "node-token-value\n",
      },
      expected: { ca: CERT, token: "node-token-value" },
    },
  ])("$layout", async ({ files, expected }) => {
    const target = await readKubeconfig(tree(files), "/etc/kubernetes/kubelet.conf");
    expect(target).toEqual({ server: "https://127.0.0.1:6443", insecure: false, ...expected });
  });

  it("names a credential file the kubeconfig points at that is missing", async () => {
    const fs = tree({
      "/etc/kubernetes/kubelet.conf": kubeconfig(
        "      server: https://127.0.0.1:6443",
        "      client-certificate: /var/lib/kubelet/pki/gone.pem",
      ),
    });
    await expect(readKubeconfig(fs, "/etc/kubernetes/kubelet.conf")).rejects.toThrow(
      "/var/lib/kubelet/pki/gone.pem does not exist",
    );
  });
});

describe("the kubelet-token-audience check when it cannot ask", () => {
  const audience = "vault.example/image-pull";

  it("skips a standalone kubelet (no --kubeconfig): no API server issues it tokens", async () => {
    const check = await tokenAudienceCheck(tree({}), undefined, audience);
    expect(check).toMatchObject({ id: "kubelet-token-audience", status: "skip" });
  });

  it("warns, never quoting the file, when the kubeconfig is not YAML (it may hold a private key)", async () => {
    const fs = tree({ "/etc/kubernetes/kubelet.conf": `client-key-data: [${KEY}\n  : {` });
    const check = await tokenAudienceCheck(fs, "/etc/kubernetes/kubelet.conf", audience);
    expect(check.status).toBe("warn");
    expect(check.summary).toBe(
      "cannot read the kubelet's /etc/kubernetes/kubelet.conf: it is not valid YAML",
    );
  });

  it("warns with the network's words when the API server does not answer", async () => {
    const port = await freePort();
    const fs = tree({
      "/etc/kubernetes/kubelet.conf": kubeconfig(
        `      server: https://127.0.0.1:${port}`,
        "      token: node-token-value",
      ),
    });
    const check = await tokenAudienceCheck(fs, "/etc/kubernetes/kubelet.conf", audience);
    expect(check).toEqual({
      id: "kubelet-token-audience",
      status: "warn",
      summary: `cannot ask https://127.0.0.1:${port} whether the kubelet may request tokens for audience "${audience}": connection refused`,
    });
  });
});
