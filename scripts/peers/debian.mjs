// Debian packages the tests run directly (the registry, containerd, runc, inotify-tools),
// installed with apt-get when a binary is missing. Installing needs root. A package's own
// service must never start on the developer's machine: invoke-rc.d asks policy-rc.d first, and
// exit 101 means "not now", so one is put in place for the install when the machine has none.
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { run } from "./run.mjs";

const POLICY_RC_D = "/usr/sbin/policy-rc.d";

/**
 * Makes sure each `{ binary, pkg }` is installed: `binary` is an absolute path or a name looked
 * up on PATH. Installs all missing packages with one apt-get run; `why` names the tests that need
 * them in the messages.
 */
export async function ensureDebianPackages(
  wanted,
  { why, log = (line) => process.stderr.write(`peers: ${line}\n`) },
) {
  const missing = [];
  for (const want of wanted) if (!(await found(want.binary))) missing.push(want);
  if (missing.length === 0) return;
  const pkgs = [...new Set(missing.map((m) => m.pkg))];
  if (process.getuid?.() !== 0) {
    throw new Error(
      `${missing.map((m) => m.binary).join(", ")} missing and installing needs root: run ` +
        `\`sudo apt-get update && sudo apt-get install -y --no-install-recommends ${pkgs.join(" ")}\``,
    );
  }
  log(`installing the Debian packages ${pkgs.join(", ")} for ${why}`);
  const ownPolicy = !existsSync(POLICY_RC_D);
  if (ownPolicy) writeFileSync(POLICY_RC_D, "#!/bin/sh\nexit 101\n", { mode: 0o755 });
  try {
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    await apt(["update"], env);
    await apt(["install", "-y", "--no-install-recommends", ...pkgs], env);
  } finally {
    if (ownPolicy) rmSync(POLICY_RC_D, { force: true });
  }
  for (const want of missing) {
    if (!(await found(want.binary))) {
      throw new Error(`the ${want.pkg} package installed no ${want.binary}`);
    }
  }
}

async function found(binary) {
  if (binary.startsWith("/")) return existsSync(binary);
  return (await run("sh", ["-c", 'command -v "$0"', binary])).status === 0;
}

async function apt(args, env) {
  const result = await run("apt-get", args, { env });
  if (result.status !== 0) {
    throw new Error(`apt-get ${args.join(" ")} exited ${result.status}:\n${result.output}`);
  }
}
