// The CNCF distribution registry the conformance harness pulls from: Debian's docker-registry
// package (distribution v2.8), installed on first use. The harness starts its own instance on
// 127.0.0.1 with a generated config, so the package's service must never start.
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { run } from "./run.mjs";

/** Where the docker-registry package puts the registry binary. */
export const REGISTRY_BIN = "/usr/bin/docker-registry";

// invoke-rc.d asks this script before starting a service; exit 101 means "not now".
const POLICY_RC_D = "/usr/sbin/policy-rc.d";

/**
 * Returns the registry binary, installing the docker-registry package when it is missing.
 * Installing needs root; the package's own service (all interfaces, port 5000) is kept from
 * starting with a temporary policy-rc.d when the machine has none.
 */
export async function ensureRegistry({
  log = (line) => process.stderr.write(`peers: ${line}\n`),
} = {}) {
  if (existsSync(REGISTRY_BIN)) return REGISTRY_BIN;
  if (process.getuid?.() !== 0) {
    throw new Error(
      `${REGISTRY_BIN} is missing and installing it needs root: run ` +
        "`sudo apt-get update && sudo apt-get install -y --no-install-recommends docker-registry`",
    );
  }
  log("installing the docker-registry Debian package (CNCF distribution) for the conformance pull");
  const ownPolicy = !existsSync(POLICY_RC_D);
  if (ownPolicy) writeFileSync(POLICY_RC_D, "#!/bin/sh\nexit 101\n", { mode: 0o755 });
  try {
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    await apt(["update"], env);
    await apt(["install", "-y", "--no-install-recommends", "docker-registry"], env);
  } finally {
    if (ownPolicy) rmSync(POLICY_RC_D, { force: true });
  }
  if (!existsSync(REGISTRY_BIN)) {
    throw new Error(`the docker-registry package installed no ${REGISTRY_BIN}`);
  }
  return REGISTRY_BIN;
}

async function apt(args, env) {
  const result = await run("apt-get", args, { env });
  if (result.status !== 0) {
    throw new Error(`apt-get ${args.join(" ")} exited ${result.status}:\n${result.output}`);
  }
}
