import { request } from "node:https";
import { dirname, isAbsolute, join } from "node:path";
import { parse } from "yaml";
import { oneLine, quote } from "../errors.js";
import { networkWords, tlsWords } from "../net-errors.js";
import { type NodeFs, readText } from "../node/fs.js";
import type { CheckResult } from "./report.js";

/**
 * The `kubelet-token-audience` check, for a pullkey entry with tokenAttributes (KEP-4412). The
 * API server gives a kubelet a pod's token for that audience only when RBAC grants the node
 * `request-serviceaccounts-token-audience` on it (ServiceAccountNodeAudienceRestriction, on by
 * default since 1.33). Without the grant every token request is refused, the kubelet never runs
 * pullkey and pulls without credentials; the only trace is a line in the kubelet's log. The
 * check asks the API server itself, with the kubelet's own credentials from its --kubeconfig,
 * in a SelfSubjectAccessReview: the same question the admission plugin asks the authorizer.
 */

export const TOKEN_AUDIENCE_VERB = "request-serviceaccounts-token-audience";

/** An API server answering one JSON POST; tests and the real client implement it. */
export type KubeApiPost = (target: KubeTarget, path: string, body: unknown) => Promise<unknown>;

/** Where and as whom to call the API server, from a kubeconfig (PEM text, not paths). */
export interface KubeTarget {
  server: string;
  ca?: string;
  cert?: string;
  key?: string;
  token?: string;
  insecure: boolean;
}

export async function tokenAudienceCheck(
  node: NodeFs,
  kubeconfig: string | undefined,
  audience: string,
  post: KubeApiPost = postJson,
): Promise<CheckResult> {
  const id = "kubelet-token-audience";
  if (kubeconfig === undefined) {
    return {
      id,
      status: "skip",
      summary: `the kubelet has no --kubeconfig (standalone): no API server issues it tokens for audience ${quote(audience)}`,
    };
  }
  let target: KubeTarget;
  try {
    target = await readKubeconfig(node, kubeconfig);
  } catch (err) {
    return { id, status: "warn", summary: `cannot read the kubelet's ${kubeconfig}: ${why(err)}` };
  }
  let answer: { status?: { allowed?: boolean; reason?: string } };
  try {
    answer = (await post(target, "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", {
      apiVersion: "authorization.k8s.io/v1",
      kind: "SelfSubjectAccessReview",
      spec: {
        resourceAttributes: {
          verb: TOKEN_AUDIENCE_VERB,
          group: "",
          version: "v1",
          resource: audience,
        },
      },
    })) as typeof answer;
  } catch (err) {
    return {
      id,
      status: "warn",
      summary: `cannot ask ${target.server} whether the kubelet may request tokens for audience ${quote(audience)}: ${why(err)}`,
    };
  }
  const asked = `SelfSubjectAccessReview at ${target.server} with the kubelet's ${kubeconfig}`;
  if (answer.status?.allowed === true) {
    return {
      id,
      status: "ok",
      summary: `the kubelet may request service account tokens for audience ${quote(audience)} (${asked})`,
    };
  }
  return {
    id,
    status: "fail",
    summary: `the kubelet may not request service account tokens for audience ${quote(audience)} (${asked}), so the API server refuses its token requests and it never runs pullkey: add a ClusterRole with apiGroups [""], resources [${quote(audience)}], verbs [${quote(TOKEN_AUDIENCE_VERB)}] and a ClusterRoleBinding of it to the Group system:nodes (docs/vault.md, "The RBAC the API server needs")`,
  };
}

/** The current context's server and credentials; relative paths are the kubeconfig's folder's. */
export async function readKubeconfig(node: NodeFs, path: string): Promise<KubeTarget> {
  const text = await readText(node, path);
  if (text === undefined) throw new Error("it does not exist");
  // biome-ignore lint/suspicious/noExplicitAny: a kubeconfig, read field by field below
  let doc: any;
  try {
    doc = parse(text);
  } catch {
    // The parser's message quotes the line, which may be a private key's.
    throw new Error("it is not valid YAML");
  }
  const named = (list: unknown, name: unknown) =>
    Array.isArray(list) ? list.find((e) => e?.name === name) : undefined;
  const context =
    named(doc?.contexts, doc?.["current-context"])?.context ?? doc?.contexts?.[0]?.context;
  const cluster = named(doc?.clusters, context?.cluster)?.cluster ?? doc?.clusters?.[0]?.cluster;
  const user = named(doc?.users, context?.user)?.user ?? doc?.users?.[0]?.user ?? {};
  if (typeof cluster?.server !== "string") throw new Error("no server in its current context");
  const at = (p: string) => (isAbsolute(p) ? p : join(dirname(path), p));
  const pem = async (data: unknown, file: unknown): Promise<string | undefined> => {
    if (typeof data === "string") return Buffer.from(data, "base64").toString("utf8");
    if (typeof file !== "string") return undefined;
    const found = await readText(node, at(file));
    if (found === undefined) throw new Error(`${at(file)} does not exist`);
    return found;
  };
  const token =
    typeof user.token === "string"
      ? user.token
      : typeof user.tokenFile === "string"
        ? (await readText(node, at(user.tokenFile)))?.trim()
        : undefined;
  const target: KubeTarget = {
    server: cluster.server,
    insecure: cluster["insecure-skip-tls-verify"] === true,
  };
  const ca = await pem(cluster["certificate-authority-data"], cluster["certificate-authority"]);
  const cert = await pem(user["client-certificate-data"], user["client-certificate"]);
  // kubeadm's kubelet.conf names one file holding both the certificate and the key.
  const key = await pem(user["client-key-data"], user["client-key"]);
  return {
    ...target,
    ...(ca ? { ca } : {}),
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
    ...(token ? { token } : {}),
  };
}

/** POSTs JSON over HTTPS (10 s), trusting the kubeconfig's CA; resolves with the JSON answer. */
export function postJson(target: KubeTarget, path: string, body: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, target.server);
    const req = request(
      url,
      {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "user-agent": "pullkey-doctor",
          ...(target.token ? { authorization: `Bearer ${target.token}` } : {}),
        },
        ...(target.ca ? { ca: target.ca } : {}),
        ...(target.cert ? { cert: target.cert } : {}),
        ...(target.key ? { key: target.key } : {}),
        rejectUnauthorized: !target.insecure,
        timeout: 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          if ((res.statusCode ?? 0) >= 300) {
            reject(new Error(`HTTP ${res.statusCode}: ${text.slice(0, 200).replace(/\s+/g, " ")}`));
            return;
          }
          try {
            resolve(JSON.parse(text));
          } catch {
            reject(new Error(`HTTP ${res.statusCode} with a body that is not JSON`));
          }
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error("no answer within 10 s")));
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}

function why(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  if (typeof code === "string") {
    const tls = tlsWords(code);
    const words = networkWords(code) ?? (tls === undefined ? undefined : `TLS: ${tls}`);
    if (words) return words;
  }
  return err instanceof Error ? oneLine(err.message) : "unexpected failure";
}
