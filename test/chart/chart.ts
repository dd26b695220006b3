import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments, stringify } from "yaml";

/** `helm template` and `helm lint` of deploy/helm/pullkey with values written to a temp file. */

export const CHART = fileURLToPath(new URL("../../deploy/helm/pullkey", import.meta.url));
export const NAMESPACE = "kube-system";

export interface Helm {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs helm with `values` as a values file (the way an operator's -f file reaches the chart). */
export function helm(binary: string, args: readonly string[], values: object = {}): Helm {
  const dir = mkdtempSync(join(tmpdir(), "pullkey-chart-"));
  try {
    const file = join(dir, "values.yaml");
    writeFileSync(file, stringify(values));
    const result = spawnSync(binary, [...args, "--values", file], {
      encoding: "utf8",
      timeout: 60_000,
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  // biome-ignore lint/suspicious/noExplicitAny: rendered YAML, read field by field in the tests
  [field: string]: any;
}

/** The objects `helm template` renders for `values` (throws with helm's message on failure). */
export function render(binary: string, values: object): Manifest[] {
  const result = helm(binary, ["template", "pk", CHART, "--namespace", NAMESPACE], values);
  if (result.status !== 0) throw new Error(`helm template failed: ${result.stderr}`);
  return parseAllDocuments(result.stdout)
    .map((doc) => doc.toJSON())
    .filter((doc): doc is Manifest => doc !== null);
}

/** The one object of `kind` among `manifests`. */
export function find(manifests: readonly Manifest[], kind: string): Manifest {
  const found = manifests.filter((m) => m.kind === kind);
  if (found.length !== 1) throw new Error(`expected one ${kind}, rendered ${found.length}`);
  return found[0] as Manifest;
}

/** The rendered Secret's files, decoded (what the pod sees under /config). */
export function secretFiles(manifests: readonly Manifest[]): Record<string, Buffer> {
  const data: Record<string, string> = find(manifests, "Secret")["data"] ?? {};
  return Object.fromEntries(
    Object.entries(data).map(([name, b64]) => [name, Buffer.from(b64, "base64")]),
  );
}

/** The installer init container of the rendered DaemonSet. */
export function initContainer(manifests: readonly Manifest[]): {
  name: string;
  args: string[];
} {
  const [container] = find(manifests, "DaemonSet")["spec"].template.spec.initContainers;
  return container;
}

const example = (name: string) =>
  readFileSync(fileURLToPath(new URL(`../../config/examples/${name}`, import.meta.url)), "utf8");

/** Value sets an operator would write, one per way of using the chart. */
export const VALUE_SETS = [
  {
    name: "a docker config for Docker Hub",
    values: { config: { dockerConfig: example("docker-config.json") } },
  },
  {
    name: "a docker config for two registries, on the canary nodes",
    values: {
      config: {
        dockerConfig: example("docker-config.json"),
        registries: ["a.example", "b.example"],
      },
      canaryNodeLabel: "pullkey.example.com/canary",
    },
  },
  {
    name: "a Vault AppRole config with its three files, in a config folder",
    values: {
      config: {
        pullkeyConfig: example("vault-approle.yaml"),
        secretFiles: {
          "vault-ca.pem": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
          "vault-role-id": "role-id-1\n",
          "vault-secret-id": "secret-id-1\n",
        },
      },
      install: { extraArgs: ["--drop-in", "--kubelet-version=1.37"] },
    },
  },
  {
    name: "an existing Secret, an image pinned by digest, affinity and pull secrets",
    values: {
      config: { existingSecret: { name: "my-pullkey", format: "pullkey", secretFiles: ["token"] } },
      image: {
        repository: "registry.example.com/pullkey-installer",
        digest: `sha256:${"a".repeat(64)}`,
      },
      imagePullSecrets: [{ name: "regcred" }],
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [
              { matchExpressions: [{ key: "pool", operator: "In", values: ["gpu"] }] },
            ],
          },
        },
      },
    },
  },
  { name: "uninstall mode", values: { mode: "uninstall" } },
];
