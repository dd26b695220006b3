import { beforeAll, describe, expect, it } from "vitest";
import { ensureHelm } from "../../scripts/peers/helm.mjs";
import { ensureKubernetesOpenApi } from "../../scripts/peers/kubernetes-openapi.mjs";
import { kubeletVersion } from "../../scripts/peers/node.mjs";
import { CHART, find, helm, initContainer, type Manifest, render, VALUE_SETS } from "./chart.js";
import { KubernetesSchemas } from "./openapi.js";

/** deploy/helm/pullkey: lints, renders, and renders objects the Kubernetes API accepts. */

let binary = "";
let schemas: KubernetesSchemas;

beforeAll(async () => {
  binary = await ensureHelm();
  schemas = new KubernetesSchemas(await ensureKubernetesOpenApi());
}, 1_800_000);

describe("the Helm chart", () => {
  it.each(VALUE_SETS)("lints with $name (helm lint --strict)", ({ values }) => {
    const result = helm(binary, ["lint", "--strict", CHART], values);
    expect(result.stderr + result.stdout).toContain("1 chart(s) linted, 0 chart(s) failed");
    expect(result.status).toBe(0);
  });

  it.each(VALUE_SETS)(
    `renders, with $name, objects the Kubernetes ${kubeletVersion()} API schema accepts`,
    ({ values }) => {
      const manifests = render(binary, values);
      expect(manifests.map((m) => m.kind)).toContain("DaemonSet");
      for (const manifest of manifests) {
        expect({ kind: manifest.kind, errors: schemas.validate(manifest) }).toEqual({
          kind: manifest.kind,
          errors: [],
        });
      }
    },
  );

  it.each([
    {
      name: "a misspelled field",
      change: (ds: Manifest) => {
        ds["spec"].template.spec.nodeselector = {};
      },
      error: "DaemonSet.spec.template.spec.nodeselector: unknown field",
    },
    {
      name: "a string where a bool goes",
      change: (ds: Manifest) => {
        ds["spec"].template.spec.hostPID = "true";
      },
      error: 'DaemonSet.spec.template.spec.hostPID: "true" is not a boolean',
    },
    {
      name: "a bad quantity",
      change: (ds: Manifest) => {
        ds["spec"].template.spec.initContainers[0].resources.limits.memory = "512 MB";
      },
      error: "is not a quantity",
    },
    {
      name: "no selector",
      change: (ds: Manifest) => {
        delete ds["spec"].selector;
      },
      error: "DaemonSet.spec.selector: required",
    },
  ])("and the schema check refuses $name (it is not vacuous)", ({ change, error }) => {
    const daemonSet = find(render(binary, VALUE_SETS[0]?.values ?? {}), "DaemonSet");
    change(daemonSet);
    expect(schemas.validate(daemonSet).join("\n")).toContain(error);
  });

  it.each([
    {
      name: "no config in install mode",
      values: {},
      error: "install mode needs config.pullkeyConfig",
    },
    {
      name: "both configs",
      values: { config: { pullkeyConfig: "rules: []", dockerConfig: "{}" } },
      error: "set pullkeyConfig or dockerConfig, not both",
    },
    // values.schema.json: helm checks the values before anything renders.
    {
      name: "an unknown mode",
      values: { mode: "reinstall" },
      error: "at '/mode': value must be one of 'install', 'uninstall'",
    },
    {
      name: "a secret file name that is no Secret key",
      values: { config: { dockerConfig: "{}", secretFiles: { "../ca.pem": "x" } } },
      error: "'../ca.pem' does not match pattern",
    },
    {
      name: "an install option without its dashes",
      values: { config: { dockerConfig: "{}" }, install: { extraArgs: ["drop-in"] } },
      error: "at '/install/extraArgs/0': 'drop-in' does not match pattern '^--'",
    },
    {
      name: "a relative stage folder",
      values: { config: { dockerConfig: "{}" }, stageDir: "var/lib/pullkey-installer" },
      error: "at '/stageDir'",
    },
    {
      name: "a misspelled value",
      values: { config: { dockerConfig: "{}" }, canaryNodeLabels: "a" },
      error: "additional properties 'canaryNodeLabels' not allowed",
    },
    {
      name: "a secret file named like the config",
      values: { config: { pullkeyConfig: "rules: []", secretFiles: { "config.yaml": "a file" } } },
      error: "a secret file may not be called config.yaml",
    },
    {
      name: "an existing Secret of an unknown format",
      values: { config: { existingSecret: { name: "s", format: "yaml" } } },
      error: "at '/config/existingSecret/format': value must be one of 'pullkey', 'docker'",
    },
  ])("refuses to render $name, saying why", ({ values, error }) => {
    expect(() => render(binary, values)).toThrow(error);
  });

  it("runs privileged in the host's PID namespace, with the stage folder and the Secret mounted", () => {
    const pod = find(render(binary, VALUE_SETS[0]?.values ?? {}), "DaemonSet")["spec"].template
      .spec;
    expect(pod.hostPID).toBe(true);
    expect(pod.tolerations).toEqual([{ operator: "Exists" }]);
    expect(pod.initContainers[0].securityContext.privileged).toBe(true);
    expect(pod.initContainers[0].volumeMounts).toEqual([
      { name: "stage", mountPath: "/stage" },
      { name: "config", mountPath: "/config", readOnly: true },
    ]);
    expect(pod.volumes[0]).toEqual({
      name: "stage",
      hostPath: { path: "/var/lib/pullkey-installer", type: "DirectoryOrCreate" },
    });
    expect(pod.containers[0].args).toEqual(["pause"]);
  });

  it("rolls out to the canary nodes only when canaryNodeLabel is set", () => {
    const selector = (values: object) =>
      find(render(binary, values), "DaemonSet")["spec"].template.spec.nodeSelector;
    expect(selector(VALUE_SETS[0]?.values ?? {})).toEqual({ "kubernetes.io/os": "linux" });
    expect(selector(VALUE_SETS[1]?.values ?? {})).toEqual({
      "kubernetes.io/os": "linux",
      "pullkey.example.com/canary": "true",
    });
  });

  it("restarts the pods (and so installs again) when a config file changes", () => {
    const checksum = (dockerConfig: string) =>
      find(render(binary, { config: { dockerConfig } }), "DaemonSet")["spec"].template.metadata
        .annotations["checksum/config"];
    expect(checksum('{"auths":{}}')).not.toBe(checksum('{"auths":{"a.example":{}}}'));
  });

  it("uninstall mode runs `pullkey uninstall --restart` and needs no Secret", () => {
    const manifests = render(binary, { mode: "uninstall" });
    expect(manifests.map((m) => m.kind)).toEqual(["DaemonSet"]);
    expect(initContainer(manifests)).toMatchObject({
      name: "uninstall",
      args: ["uninstall", "--restart"],
    });
  });
});
