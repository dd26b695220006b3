import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { INSTALL_OPTIONS } from "../../provider/commands/install.js";

/** The DaemonSet in docs/install-script.md is what operators copy: it must say what works. */
const DOC = readFileSync(
  fileURLToPath(new URL("../../docs/install-script.md", import.meta.url)),
  "utf8",
);
const SCRIPT_OPTIONS = ["binary", "uninstall"];

interface Container {
  command: string[];
  securityContext?: { privileged?: boolean };
}

function daemonSet(): {
  spec: {
    template: {
      spec: Record<string, unknown> & { initContainers: Container[]; volumes: unknown[] };
    };
  };
} {
  const blocks = [...DOC.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] ?? "");
  const docs = blocks.flatMap((block) => parseAllDocuments(block).map((d) => d.toJSON()));
  const found = docs.find((d) => d?.kind === "DaemonSet");
  expect(found).toBeDefined();
  return found;
}

describe("the documented DaemonSet", () => {
  it("runs privileged on the host network and PID namespace, with the host at /host", () => {
    const pod = daemonSet().spec.template.spec;
    expect(pod["hostNetwork"]).toBe(true);
    expect(pod["hostPID"]).toBe(true);
    expect(pod.initContainers[0]?.securityContext?.privileged).toBe(true);
    expect(pod.volumes).toContainEqual({
      name: "host",
      hostPath: { path: "/", type: "Directory" },
    });
  });

  it("passes only options the installer knows", () => {
    const command = daemonSet().spec.template.spec.initContainers[0]?.command ?? [];
    const options = command
      .filter((arg) => arg.startsWith("--"))
      .map((arg) => arg.slice(2).split("=")[0] ?? "");
    expect(options.length).toBeGreaterThan(3);
    for (const option of options) {
      expect([...Object.keys(INSTALL_OPTIONS), ...SCRIPT_OPTIONS]).toContain(option);
    }
    expect(command).toContain("--root=/host");
    expect(command).toContain("--restart-via=nsenter");
  });
});
