import { expect } from "vitest";
import type { Exec } from "./artifacts.js";

/** Every secret value in the test fixtures; none may ever appear on stderr. */
export const FIXTURE_SECRETS = [
  "hub-password-FIXTURE-1",
  "team-a-token-FIXTURE-2",
  "internal-token-FIXTURE-3",
  "sa-token-FIXTURE-4",
  // base64 of hub-user:hub-password-FIXTURE-1, as stored in the docker config
  Buffer.from("hub-user:hub-password-FIXTURE-1").toString("base64"),
] as const;

/**
 * Secrets may appear only in a successful plugin response on stdout, which is where the kubelet
 * reads them. Failures and stderr never carry one.
 */
export function expectNoLeaks(
  outputs: readonly Exec[],
  extraSecrets: readonly string[] = [],
): void {
  const secrets = [...FIXTURE_SECRETS, ...extraSecrets];
  for (const output of outputs) {
    for (const secret of secrets) {
      expect(output.stderr, "stderr must never carry a secret").not.toContain(secret);
      if (output.status !== 0)
        expect(output.stdout, "a failed exec prints nothing").not.toContain(secret);
    }
  }
}
