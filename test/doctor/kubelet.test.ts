import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  cmdline,
  healthyNode,
  kubeletCheckLines,
  kubeletConfig,
  removeTemps,
  type TreeFile,
  tempDir,
  writeTree,
} from "./harness.js";

const CONFIG_FLAG = "--image-credential-provider-config";
const BIN_FLAG = "--image-credential-provider-bin-dir";
const CPC = "/etc/kubernetes/credential-provider-config.yaml";
const BIN = "/usr/local/lib/kubelet/credential-providers";
const EXEC = { text: "#!/bin/sh\n", mode: 0o755 };
let pullkeyConfig: string;

beforeAll(() => {
  pullkeyConfig = join(
    writeTree(tempDir("kubelet-config"), {
      "/config.yaml": {
        text: "apiVersion: pullkey/v1\nkind: PullkeyConfig\nrules:\n  - name: hub\n    preset: dockerhub\n    source: {type: static, username: u, passwordFile: /nonexistent}\n",
        mode: 0o600,
      },
    }),
    "config.yaml",
  );
});
afterAll(() => removeTemps());

const healthy = healthyNode(["docker.io"]);
const K3S_UNIT = "[Service]\nExecStart=/usr/local/bin/k3s server\n";

const { "/etc/default/kubelet": _extra, ...withoutExtra } = healthy;
const { [`${BIN}/pullkey`]: _binary, ...withoutBinary } = healthy;

/** The kubelet-* lines of a --json run, as `status: summary`. */
const kubeletChecks = (files: Record<string, TreeFile>, image?: string) =>
  kubeletCheckLines(files, pullkeyConfig, image);

describe("pullkey doctor's kubelet-side checks on a --root tree", () => {
  it.each<{ name: string; files: Record<string, TreeFile>; expected: Record<string, string> }>([
    {
      name: "a kubeadm node with both flags in /etc/default/kubelet",
      files: healthy,
      expected: {
        "kubelet-flags": `ok: ${CONFIG_FLAG}=${CPC} and ${BIN_FLAG}=${BIN} (from KUBELET_EXTRA_ARGS in /etc/default/kubelet:1)`,
        "kubelet-config": `ok: ${CPC} is valid (1 file; providers: pullkey)`,
        "kubelet-provider":
          'ok: provider "pullkey" (credentialprovider.kubelet.k8s.io/v1) with matchImages ["docker.io"]',
        "kubelet-binary": `ok: ${BIN}/pullkey is executable (mode 0755)`,
      },
    },
    {
      name: "KUBELET_EXTRA_ARGS overriding kubeadm-flags.env, as 10-kubeadm.conf orders them",
      files: {
        ...healthy,
        "/var/lib/kubelet/kubeadm-flags.env": `KUBELET_KUBEADM_ARGS="${CONFIG_FLAG}=/old.yaml ${BIN_FLAG}=/old"\n`,
        "/etc/default/kubelet": `KUBELET_EXTRA_ARGS="${CONFIG_FLAG} ${CPC}"\n`,
      },
      expected: {
        "kubelet-flags": `ok: ${CONFIG_FLAG}=${CPC} and ${BIN_FLAG}=/old (from KUBELET_EXTRA_ARGS in /etc/default/kubelet:1 and KUBELET_KUBEADM_ARGS in /var/lib/kubelet/kubeadm-flags.env:1)`,
        "kubelet-config": `ok: ${CPC} is valid (1 file; providers: pullkey)`,
        "kubelet-provider":
          'ok: provider "pullkey" (credentialprovider.kubelet.k8s.io/v1) with matchImages ["docker.io"]',
        "kubelet-binary": `fail: ${BIN_FLAG} /old does not exist: the kubelet refuses to start`,
      },
    },
    {
      name: "a running kubelet whose argv agrees with the files",
      files: {
        ...healthy,
        "/proc/4242/cmdline": cmdline(`${CONFIG_FLAG}=${CPC}`, `${BIN_FLAG}=${BIN}`),
        "/proc/77/cmdline": "/usr/sbin/sshd\0-D\0",
      },
      expected: {
        "kubelet-flags": `ok: ${CONFIG_FLAG}=${CPC} and ${BIN_FLAG}=${BIN} (from the running kubelet (pid 4242))`,
        "kubelet-config": `ok: ${CPC} is valid (1 file; providers: pullkey)`,
        "kubelet-provider":
          'ok: provider "pullkey" (credentialprovider.kubelet.k8s.io/v1) with matchImages ["docker.io"]',
        "kubelet-binary": `ok: ${BIN}/pullkey is executable (mode 0755)`,
      },
    },
    {
      name: "a kubelet.service unit with the flags in its ExecStart and a config folder",
      files: {
        "/etc/systemd/system/kubelet.service": `[Service]\nExecStart=/usr/bin/kubelet \\\n  ${CONFIG_FLAG}=/etc/kubernetes/providers.d \\\n  ${BIN_FLAG}=${BIN}\n`,
        "/etc/kubernetes/providers.d/10-ecr.yaml": kubeletConfig({
          name: "ecr-credential-provider",
          matchImages: ["*.dkr.ecr.*.amazonaws.com"],
        }),
        "/etc/kubernetes/providers.d/20-pullkey.yaml": kubeletConfig(),
        "/etc/kubernetes/providers.d/notes.txt": "ignored",
        [`${BIN}/pullkey`]: EXEC,
      },
      expected: {
        "kubelet-flags": `ok: ${CONFIG_FLAG}=/etc/kubernetes/providers.d and ${BIN_FLAG}=${BIN} (from /etc/systemd/system/kubelet.service:2)`,
        "kubelet-config":
          "ok: /etc/kubernetes/providers.d is valid (2 files; providers: ecr-credential-provider, pullkey)",
        "kubelet-provider":
          'ok: provider "pullkey" (credentialprovider.kubelet.k8s.io/v1) with matchImages ["docker.io"]',
        "kubelet-binary": `ok: ${BIN}/pullkey is executable (mode 0755)`,
      },
    },
    {
      name: "k3s with its default paths in place",
      files: {
        "/etc/rancher/k3s/": "",
        "/etc/systemd/system/k3s.service": K3S_UNIT,
        "/var/lib/rancher/credentialprovider/config.yaml": kubeletConfig(),
        "/var/lib/rancher/credentialprovider/bin/pullkey": EXEC,
      },
      expected: {
        "kubelet-flags": `ok: ${CONFIG_FLAG}=/var/lib/rancher/credentialprovider/config.yaml and ${BIN_FLAG}=/var/lib/rancher/credentialprovider/bin (from k3s's default)`,
        "kubelet-config":
          "ok: /var/lib/rancher/credentialprovider/config.yaml is valid (1 file; providers: pullkey)",
        "kubelet-provider":
          'ok: provider "pullkey" (credentialprovider.kubelet.k8s.io/v1) with matchImages ["docker.io"]',
        "kubelet-binary":
          "ok: /var/lib/rancher/credentialprovider/bin/pullkey is executable (mode 0755)",
      },
    },
  ])("passes $name", async ({ files, expected }) => {
    expect(await kubeletChecks(files)).toEqual(expected);
  });

  it.each<{
    name: string;
    files: Record<string, TreeFile>;
    image?: string;
    id: string;
    expected: string;
  }>([
    {
      name: "no kubelet on the node",
      files: {},
      id: "kubelet-flags",
      expected:
        "skip: no kubelet on this node (no kubelet.service, kubeadm, k3s, RKE2 or EKS files, no kubelet process in /proc): run doctor on a node, or pass --root for a copy of one",
    },
    {
      name: "neither flag set",
      files: { ...withoutExtra },
      id: "kubelet-flags",
      expected: `fail: neither ${CONFIG_FLAG} nor ${BIN_FLAG} is set (looked at kubelet.service and the files it reads): the kubelet never runs credential providers`,
    },
    {
      name: "only the config flag set",
      files: { ...healthy, "/etc/default/kubelet": `KUBELET_EXTRA_ARGS="${CONFIG_FLAG}=${CPC}"\n` },
      id: "kubelet-flags",
      expected: `fail: only ${CONFIG_FLAG}=${CPC} is set (in KUBELET_EXTRA_ARGS in /etc/default/kubelet:1); without ${BIN_FLAG} the kubelet refuses to start`,
    },
    {
      name: "only the bin-dir flag set",
      files: { ...healthy, "/etc/default/kubelet": `KUBELET_EXTRA_ARGS="${BIN_FLAG}=${BIN}"\n` },
      id: "kubelet-flags",
      expected: `fail: only ${BIN_FLAG}=${BIN} is set (in KUBELET_EXTRA_ARGS in /etc/default/kubelet:1); without ${CONFIG_FLAG} the kubelet refuses to start`,
    },
    {
      name: "k3s whose config file is missing",
      files: {
        "/etc/rancher/k3s/": "",
        "/etc/systemd/system/k3s.service": K3S_UNIT,
        "/var/lib/rancher/credentialprovider/bin/pullkey": EXEC,
      },
      id: "kubelet-flags",
      expected: `fail: k3s passes ${CONFIG_FLAG}=/var/lib/rancher/credentialprovider/config.yaml and ${BIN_FLAG}=/var/lib/rancher/credentialprovider/bin to its kubelet only while the first is a regular file and the second a folder (now: missing and dir)`,
    },
    {
      name: "an empty CredentialProviderConfig",
      files: { ...healthy, [CPC]: "" },
      id: "kubelet-config",
      expected: `fail: ${CPC} is invalid, so the kubelet refuses to start: ${CPC}: holds no CredentialProviderConfig (a mapping with apiVersion, kind, providers)`,
    },
    {
      name: "a CredentialProviderConfig without defaultCacheDuration",
      files: { ...healthy, [CPC]: kubeletConfig().replace(/ {4}defaultCacheDuration.*\n/, "") },
      id: "kubelet-config",
      expected: `fail: ${CPC} is invalid, so the kubelet refuses to start: ${CPC}: providers[0].defaultCacheDuration: required`,
    },
    {
      name: "no pullkey provider in the config",
      files: { ...healthy, [CPC]: kubeletConfig({ name: "ecr-credential-provider" }) },
      id: "kubelet-provider",
      expected: `fail: ${CPC} has no provider named "pullkey" (providers: "ecr-credential-provider"): the kubelet never runs pullkey (doctor --name NAME for another provider name)`,
    },
    {
      name: "a relative --config in pullkey's args",
      files: { ...healthy, [CPC]: kubeletConfig({ args: ["--config", "pullkey.yaml"] }) },
      id: "kubelet-provider",
      expected:
        'fail: provider "pullkey" passes --config pullkey.yaml, a relative path: the kubelet\'s working directory is not defined, so pullkey refuses it; give an absolute path',
    },
    {
      name: "matchImages that do not send the image to pullkey",
      files: healthy,
      image: "127.0.0.1:9/team/app",
      id: "kubelet-provider",
      expected:
        'fail: provider "pullkey" matchImages ["docker.io"] do not match 127.0.0.1:9/team/app: the kubelet never asks pullkey for it',
    },
    {
      name: "the binary not executable",
      files: { ...healthy, [`${BIN}/pullkey`]: { text: "x", mode: 0o600 } },
      id: "kubelet-binary",
      expected: `fail: ${BIN}/pullkey is not executable (mode 0600): chmod 0755 it`,
    },
    {
      name: "the binary a folder",
      files: { ...withoutBinary, [`${BIN}/pullkey/`]: "" },
      id: "kubelet-binary",
      expected: `fail: ${BIN}/pullkey is not a regular file`,
    },
  ])("fails with a precise line for $name", async ({ files, image, id, expected }) => {
    expect((await kubeletChecks(files, image))[id]).toBe(expected);
  });

  it("warns that the kubelet needs a restart when the files set flags it is not running with", async () => {
    const checks = await kubeletChecks({
      ...healthy,
      "/etc/default/kubelet": `KUBELET_EXTRA_ARGS="${CONFIG_FLAG}=/elsewhere.yaml ${BIN_FLAG}=${BIN}"\n`,
      "/proc/4242/cmdline": cmdline(`${CONFIG_FLAG}=${CPC}`, `${BIN_FLAG}=${BIN}`),
    });
    expect(checks["kubelet-flags"]).toBe(
      `warn: ${CONFIG_FLAG}=${CPC} and ${BIN_FLAG}=${BIN} (from the running kubelet (pid 4242)); the files set ${CONFIG_FLAG}=/elsewhere.yaml (in KUBELET_EXTRA_ARGS in /etc/default/kubelet:1), which the running kubelet (pid 4242) does not have yet: restart the kubelet, or check that these are the files its unit reads`,
    );
  });

  it("fails with a restart hint when only the files have the flags", async () => {
    const checks = await kubeletChecks({
      ...healthy,
      "/proc/9/cmdline": cmdline(),
    });
    expect(checks["kubelet-flags"]).toBe(
      `fail: neither ${CONFIG_FLAG} nor ${BIN_FLAG} is set (looked at the running kubelet (pid 9)): the kubelet never runs credential providers; the files set ${CONFIG_FLAG}=${CPC} (in KUBELET_EXTRA_ARGS in /etc/default/kubelet:1) and ${BIN_FLAG}=${BIN} (in KUBELET_EXTRA_ARGS in /etc/default/kubelet:1), which the running kubelet (pid 9) does not have yet: restart the kubelet, or check that these are the files its unit reads`,
    );
  });

  it("fails with a precise line when the config file or the binary does not exist", async () => {
    const { [CPC]: _config, [`${BIN}/pullkey`]: _binary, ...rest } = healthy;
    const checks = await kubeletChecks({ ...rest, [`${BIN}/`]: "" });
    expect(checks["kubelet-config"]).toBe(
      `fail: ${CPC} does not exist: the kubelet refuses to start`,
    );
    expect(checks["kubelet-binary"]).toBe(
      `fail: ${BIN}/pullkey does not exist: the kubelet refuses to start ("plugin binary executable  did not exist")`,
    );
  });
});
