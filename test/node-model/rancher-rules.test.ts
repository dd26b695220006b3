import { describe, expect, it } from "vitest";
import { mergeRancherConfigs, rancherCliSettings } from "../../provider/node/rancher-config.js";

/** k3s/RKE2 config files and command lines, as k3s's configfilearg merges them. */

const values = (settings: ReturnType<typeof mergeRancherConfigs>) =>
  Object.fromEntries(Object.entries(settings).map(([k, v]) => [k, v?.map((x) => x.value)]));

describe("k3s/RKE2 config files", () => {
  it.each([
    {
      name: "a later file's key replaces an earlier one",
      files: ["kubelet-arg: [a=1]\n", "kubelet-arg: [b=2]\n"],
      want: { "kubelet-arg": ["b=2"] },
    },
    {
      name: "a key ending in + appends",
      files: ["kubelet-arg: [a=1]\n", "kubelet-arg+: [b=2]\n"],
      want: { "kubelet-arg": ["a=1", "b=2"] },
    },
    {
      name: "a single string is a one-item list",
      files: ["kubelet-arg: a=1\nimage-credential-provider-config: /x.yaml\n"],
      want: { "kubelet-arg": ["a=1"], "image-credential-provider-config": ["/x.yaml"] },
    },
    {
      name: "keys that do not bear on the flags are left out",
      files: ["token: s3cr3t\n"],
      want: {},
    },
    { name: "an empty file", files: [""], want: {} },
  ])("$name", ({ files, want }) => {
    expect(
      values(mergeRancherConfigs(files.map((text, i) => ({ path: `/c${i}.yaml`, text })))),
    ).toEqual(want);
  });

  it("cites the file and line of a YAML error", () => {
    expect(() =>
      mergeRancherConfigs([{ path: "/etc/rancher/k3s/config.yaml", text: "a: 1\n b: [\n" }]),
    ).toThrow(/^\/etc\/rancher\/k3s\/config\.yaml:1 is not valid YAML/);
  });

  it("reads --flag value, --flag=value and -c from the command line, kubelet-arg accumulating", () => {
    const origin = { file: "/etc/systemd/system/k3s.service", line: 3 };
    const args = [
      "server",
      "--kubelet-arg",
      "a=1",
      "--kubelet-arg=b=2",
      "-c",
      "/etc/k3s.yaml",
      "--debug",
    ].map((value) => ({ value, origin }));
    const cli = rancherCliSettings(args);
    expect(cli.config?.value).toBe("/etc/k3s.yaml");
    expect(values(cli.settings)).toEqual({ "kubelet-arg": ["a=1", "b=2"] });
  });
});
