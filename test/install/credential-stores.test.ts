import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { copyRoot, FAKE_EXECUTABLE, pullkey, removeRoots, snapshot } from "./harness.js";

// The seed workflow: docker login on a laptop with a credential store, config.json copied to the
// node. The installer must not report success for a config that would fail every pull.
afterAll(removeRoots);

const HUB = "https://index.docker.io/v1/";

function withDockerConfig(doc: unknown, helper?: string): { root: string; args: string[] } {
  const root = copyRoot("kubeadm");
  mkdirSync(join(root, "input"), { recursive: true });
  writeFileSync(join(root, "input", "docker.json"), JSON.stringify(doc));
  if (helper) {
    mkdirSync(join(root, "usr", "bin"), { recursive: true });
    symlinkSync(`/usr/bin/${helper}`, join(root, "usr", "bin", helper));
  }
  return { root, args: ["--executable", FAKE_EXECUTABLE, "--docker-config", "input/docker.json"] };
}

describe("installing a docker config whose credentials live in a credential store", () => {
  it("refuses, writing nothing, when the helper is Docker Desktop's, with what to do", async () => {
    const { root, args } = withDockerConfig({ auths: { [HUB]: {} }, credsStore: "desktop" });
    const before = snapshot(root);
    const result = await pullkey("install", root, args);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(
      'pullkey: CONFIG_INVALID: docker config /etc/pullkey/docker-config.json: credsStore "desktop" needs docker-credential-desktop, which is not in /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin; docker-credential-desktop is the keychain of the machine that ran docker login and does not exist on a Linux node: keep the credential in the file: remove "credsStore"/"credHelpers" and add an auths entry with "auth" (what docker login writes with no credential store), or use the static source\n',
    );
    expect(snapshot(root)).toEqual(before);
  });

  it("installs when the node's tree has the helper", async () => {
    const { root, args } = withDockerConfig(
      { auths: { [HUB]: {} }, credsStore: "pass" },
      "docker-credential-pass",
    );
    const result = await pullkey("install", root, args);
    expect(result.stderr).not.toContain("docker-credential");
    expect(result.status).toBe(0);
  });

  it("only warns about a helper for a registry the generated rule does not serve", async () => {
    const inline = Buffer.from("hub-user:hub-token").toString("base64");
    const { root, args } = withDockerConfig({
      auths: { [HUB]: { auth: inline } },
      credHelpers: { "gcr.io": "gcloud" },
    });
    const result = await pullkey("install", root, args);
    expect(result.status).toBe(0);
    expect(result.stderr).toContain(
      'docker config /etc/pullkey/docker-config.json: credHelpers["gcr.io"] needs docker-credential-gcloud, which is not in',
    );
    expect(result.stderr).not.toContain("hub-token");
  });
});
