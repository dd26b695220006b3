import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * The cluster's certificates, made with openssl as an operator without kubeadm would: one CA
 * (valid one day) signing the API server's serving certificate and a client certificate per
 * identity, plus the service-account key pair the API server signs pod tokens with (RS256, as
 * kubeadm makes it). Client identities are the subject: CN is the user, O the groups.
 */
export interface ClusterPki {
  dir: string;
  caCert: string;
  caKey: string;
  /** The API server's serving certificate, for 127.0.0.1 and the kubernetes service IP. */
  apiserver: KeyPair;
  /** The service-account signing key and its public half (PEM files). */
  serviceAccountKey: string;
  serviceAccountPublicKey: string;
  /** Client certificates by identity. */
  clients: Record<ClientName, KeyPair>;
}

export interface KeyPair {
  cert: string;
  key: string;
}

export type ClientName = "admin" | "controller-manager" | "scheduler" | "node";

/** The first address of the service range, the `kubernetes` service's ClusterIP. */
export const SERVICE_CIDR = "10.96.0.0/24";
export const KUBERNETES_SERVICE_IP = "10.96.0.1";

/** Writes the whole PKI under `dir` for a node named `nodeName` at `nodeIp`. */
export function makeClusterPki(dir: string, nodeName: string, nodeIp: string): ClusterPki {
  mkdirSync(dir, { recursive: true });
  const file = (name: string) => join(dir, name);
  const openssl = (args: string[]) =>
    execFileSync("openssl", args, { stdio: "pipe", timeout: 30_000 });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

  const caCert = file("ca.crt");
  const caKey = file("ca.key");
  openssl(
    ["req", "-x509", "-new", ...ec, "-keyout", caKey, "-out", caCert, "-days", "1"].concat([
      "-subj",
      "/CN=pullkey-test-cluster-ca",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    ]),
  );

  const sign = (name: string, subject: string, extensions: string[]): KeyPair => {
    const pair = { cert: file(`${name}.crt`), key: file(`${name}.key`) };
    const csr = file(`${name}.csr`);
    const ext = file(`${name}.ext`);
    writeFileSync(ext, `${["basicConstraints=critical,CA:FALSE", ...extensions].join("\n")}\n`);
    openssl(["req", "-new", ...ec, "-keyout", pair.key, "-out", csr, "-subj", subject]);
    openssl(
      ["x509", "-req", "-in", csr, "-CA", caCert, "-CAkey", caKey, "-out", pair.cert].concat([
        "-days",
        "1",
        "-set_serial",
        `0x${randomBytes(8).toString("hex")}`,
        "-extfile",
        ext,
      ]),
    );
    return pair;
  };
  const client = (name: string, subject: string) =>
    sign(name, subject, ["keyUsage=critical,digitalSignature", "extendedKeyUsage=clientAuth"]);

  const names = ["kubernetes", "kubernetes.default", "kubernetes.default.svc"]
    .concat(["kubernetes.default.svc.cluster.local", "localhost"])
    .map((n) => `DNS:${n}`);
  const ips = ["127.0.0.1", KUBERNETES_SERVICE_IP, nodeIp].map((ip) => `IP:${ip}`);
  const apiserver = sign("apiserver", "/CN=kube-apiserver", [
    "keyUsage=critical,digitalSignature",
    "extendedKeyUsage=serverAuth",
    `subjectAltName=${[...names, ...ips].join(",")}`,
  ]);

  const serviceAccountKey = file("sa.key");
  const serviceAccountPublicKey = file("sa.pub");
  openssl([
    "genpkey",
    "-algorithm",
    "RSA",
    "-pkeyopt",
    "rsa_keygen_bits:2048",
    "-out",
    serviceAccountKey,
  ]);
  openssl(["pkey", "-in", serviceAccountKey, "-pubout", "-out", serviceAccountPublicKey]);

  return {
    dir,
    caCert,
    caKey,
    apiserver,
    serviceAccountKey,
    serviceAccountPublicKey,
    clients: {
      admin: client("admin", "/O=system:masters/CN=pullkey-test-admin"),
      "controller-manager": client("controller-manager", "/CN=system:kube-controller-manager"),
      scheduler: client("scheduler", "/CN=system:kube-scheduler"),
      node: client("node", `/O=system:nodes/CN=system:node:${nodeName}`),
    },
  };
}

/**
 * A kubeconfig with the CA and the client's certificate and key embedded, as kubeadm writes
 * kubelet.conf: one file the node reads, which `pullkey doctor --root` can read from the tree.
 */
export function embeddedKubeconfig(server: string, caCert: string, pair: KeyPair): string {
  const data = (file: string) => readFileSync(file).toString("base64");
  return kubeconfig(server, caCert, pair)
    .replace(`certificate-authority: ${caCert}`, `certificate-authority-data: ${data(caCert)}`)
    .replace(`client-certificate: ${pair.cert}`, `client-certificate-data: ${data(pair.cert)}`)
    .replace(`client-key: ${pair.key}`, `client-key-data: ${data(pair.key)}`);
}

/** A kubeconfig for `server` as the client `pair`, trusting the cluster's CA. */
export function kubeconfig(server: string, caCert: string, pair: KeyPair): string {
  return `apiVersion: v1
kind: Config
clusters:
  - name: pullkey-test
    cluster:
      server: ${server}
      certificate-authority: ${caCert}
users:
  - name: user
    user:
      client-certificate: ${pair.cert}
      client-key: ${pair.key}
contexts:
  - name: pullkey-test
    context:
      cluster: pullkey-test
      user: user
current-context: pullkey-test
`;
}
