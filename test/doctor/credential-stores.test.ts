import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { doctor, healthyNode, removeTemps, tempDir, writeTree } from "./harness.js";

// Doctor asks the source as the plugin does, so a docker config whose helper is not on the node
// fails the source line with the plugin's own error, before any registry is contacted.
afterAll(removeTemps);

describe("doctor on a docker config whose credentials live in a credential store", () => {
  it("fails the source line, naming the missing helper and what to do", async () => {
    const nodeDir = tempDir("doctor-helpers");
    const root = writeTree(nodeDir, {
      ...healthyNode(["docker.io"], ["--config", "/etc/pullkey/config.yaml"]),
      "/etc/pullkey/docker.json": {
        text: JSON.stringify({
          auths: { "https://index.docker.io/v1/": {} },
          credsStore: "desktop",
        }),
        mode: 0o600,
      },
      "/etc/pullkey/config.yaml": {
        text: `apiVersion: pullkey/v1\nkind: PullkeyConfig\nstateDir: ${nodeDir}/var/lib/pullkey\nrules:\n  - name: hub\n    preset: dockerhub\n    source: {type: dockerConfig, path: docker.json}\n`,
        mode: 0o600,
      },
    });
    const config = join(root, "etc/pullkey/config.yaml");
    const result = await doctor(["busybox", "--config", config, "--root", root, "--json"]);
    expect(result.status).toBe(1);
    const source = result.report?.checks.find((c) => c.id === "source");
    expect(source?.status).toBe("fail");
    expect(source?.summary).toContain(
      `SOURCE_UNREADABLE: image "docker.io/library/busybox", rule "hub": docker config ${join(root, "etc/pullkey/docker.json")}: credsStore "desktop" needs docker-credential-desktop, which is not in /usr/local/sbin:`,
    );
    expect(result.report?.checks.map((c) => c.id).at(-1)).toBe("source");
  });
});
