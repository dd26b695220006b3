import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A throwaway `pass` store served by Debian's real `docker-credential-pass` (package
 * golang-docker-credential-helpers): a GPG key batch-generated with no passphrase in a temp
 * GNUPGHOME, the store in a temp PASSWORD_STORE_DIR. Provisioned by scripts/peers/prepare.mjs.
 */
export interface PassStore {
  /** What the helper needs in its environment (the plugin passes its own on). */
  env: Record<string, string>;
  dir: string;
  /** `docker-credential-pass store`, exactly what `docker login` does with credsStore "pass". */
  store(serverURL: string, username: string, secret: string): void;
  close(): void;
}

const KEY_PARAMS = `%no-protection
Key-Type: eddsa
Key-Curve: ed25519
Subkey-Type: ecdh
Subkey-Curve: cv25519
Name-Real: pullkey test
Name-Email: test@pullkey.invalid
Expire-Date: 0
%commit
`;

/** The peer's binaries; a clear failure when they were not provisioned. */
export function requirePassTools(): void {
  for (const [binary, pkg] of [
    ["gpg", "gnupg"],
    ["pass", "pass"],
    ["docker-credential-pass", "golang-docker-credential-helpers"],
  ]) {
    if (spawnSync("sh", ["-c", `command -v ${binary}`]).status !== 0) {
      throw new Error(
        `${binary} is missing: run scripts/peers/prepare.mjs (apt-get install ${pkg})`,
      );
    }
  }
}

/** Creates the key and the store; `close()` stops the gpg-agent it started and removes both. */
export function createPassStore(): PassStore {
  requirePassTools();
  // Short: gpg-agent's socket path must fit in a Unix socket address.
  const dir = mkdtempSync(join(tmpdir(), "pk-pass-"));
  const gnupg = join(dir, "gnupg");
  mkdirSync(gnupg, { mode: 0o700 });
  const env = { GNUPGHOME: gnupg, PASSWORD_STORE_DIR: join(dir, "store") };
  const run = (cmd: string, args: string[], input?: string) => {
    const result = spawnSync(cmd, args, {
      env: { ...process.env, ...env },
      input: input ?? "",
      timeout: 30_000,
    });
    if (result.status !== 0) {
      throw new Error(`${cmd} ${args.join(" ")} failed: ${result.stderr} ${result.stdout}`);
    }
    return result.stdout.toString();
  };
  writeFileSync(join(dir, "key.params"), KEY_PARAMS);
  run("gpg", ["--batch", "--gen-key", join(dir, "key.params")]);
  run("pass", ["init", "test@pullkey.invalid"]);
  return {
    env,
    dir,
    store(serverURL, username, secret) {
      run(
        "docker-credential-pass",
        ["store"],
        JSON.stringify({ ServerURL: serverURL, Username: username, Secret: secret }),
      );
    },
    close() {
      spawnSync("gpgconf", ["--kill", "gpg-agent"], { env: { ...process.env, ...env } });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
