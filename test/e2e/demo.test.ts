import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// The README's quickstart command (npm run demo = build, then this script) must keep working.
describe("the README quickstart", () => {
  it("answers the kubelet's request for busybox from the example docker config", () => {
    const script = fileURLToPath(new URL("../../scripts/demo.mjs", import.meta.url));
    const result = spawnSync(process.execPath, [script], { encoding: "utf8" });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(
      'stdout (to the kubelet):   {"kind":"CredentialProviderResponse","apiVersion":"credentialprovider.kubelet.k8s.io/v1","cacheKeyType":"Registry","cacheDuration":"1h0m0s","auth":{"docker.io":{"username":"demo-user","password":"demo-token-not-a-real-secret"}}}\n',
    );
  });
});
