import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  cmdline,
  healthyNode,
  kubeletCheckLines,
  removeTemps,
  type TreeFile,
  tempDir,
  writeTree,
} from "./harness.js";

/** Doctor's kubelet-flags line comes from the node model install uses, checked against /proc. */

const CONFIG_FLAG = "--image-credential-provider-config";
const BIN_FLAG = "--image-credential-provider-bin-dir";
const CPC = "/etc/kubernetes/credential-provider-config.yaml";
const BIN = "/usr/local/lib/kubelet/credential-providers";
const PACKAGED = "/usr/lib/systemd/system/kubelet.service";
const DROP_IN = "/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf";
const healthy = healthyNode(["docker.io"]);
let pullkeyConfig: string;

beforeAll(() => {
  pullkeyConfig = join(
    writeTree(tempDir("model-config"), {
      "/config.yaml": {
        text: "apiVersion: pullkey/v1\nkind: PullkeyConfig\nrules:\n  - name: hub\n    preset: dockerhub\n    source: {type: static, username: u, passwordFile: /nonexistent}\n",
        mode: 0o600,
      },
    }),
    "config.yaml",
  );
});
afterAll(() => removeTemps());

const kubeletChecks = (files: Record<string, TreeFile>) => kubeletCheckLines(files, pullkeyConfig);

describe("pullkey doctor and the node model", () => {
  it("says which packaged unit it assumed when the tree has none", async () => {
    const { [PACKAGED]: _unit, [DROP_IN]: _dropIn, ...bare } = healthy;
    const checks = await kubeletChecks(bare);
    expect(checks["kubelet-flags"]).toBe(
      `ok: ${CONFIG_FLAG}=${CPC} and ${BIN_FLAG}=${BIN} (from KUBELET_EXTRA_ARGS in /etc/default/kubelet:1); not on this node, so assumed as packaged: ${PACKAGED}, ${DROP_IN}`,
    );
  });

  it("reports a running kubelet started with other words than the files give", async () => {
    const checks = await kubeletChecks({
      ...healthy,
      "/proc/4242/cmdline": cmdline(`${CONFIG_FLAG}=${CPC}`, `${BIN_FLAG}=${BIN}`, "--v=4"),
    });
    expect(checks["kubelet-flags"]).toBe(
      `warn: ${CONFIG_FLAG}=${CPC} and ${BIN_FLAG}=${BIN} (from the running kubelet (pid 4242)); the running kubelet (pid 4242) differs from the command line the files give (only in the process: --v=4): restart the kubelet, or check that these are the files its unit reads`,
    );
  });

  it("fails on a unit systemd would refuse to start", async () => {
    const checks = await kubeletChecks({
      ...healthy,
      "/etc/systemd/system/kubelet.service.d/50-extra.conf": `[Service]\nExecStart=/usr/bin/kubelet --v=2\n`,
    });
    expect(checks["kubelet-flags"]).toMatch(
      /^fail: .*kubelet\.service has 2 ExecStart= lines .* with no empty ExecStart= between them: systemd refuses to start it$/,
    );
  });
});
