import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ARTIFACTS } from "./artifacts.js";

// The kubelet runs pullkey on every cache miss, so the common path must not compile code it does
// not use. The build embeds the YAML parser and zod schema (config compiler), the installer and
// each SDK-backed source as strings compiled on first use; this checks which ones an exec compiles.
const bundle = ARTIFACTS[0].path;
const preload = fileURLToPath(new URL("./support/record-lazy-modules.cjs", import.meta.url));
const REQUEST = `{"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/v1","image":"docker.io/library/busybox"}\n`;
let dir: string;
let config: string;

function compiledModules(args: string[]): string[] {
  const log = join(dir, `lazy-${Math.random().toString(36).slice(2)}.log`);
  const result = spawnSync(process.execPath, ["--require", preload, bundle, ...args], {
    input: REQUEST,
    env: { ...process.env, LAZY_MODULES_LOG: log },
    encoding: "utf8",
  });
  expect(result.status).toBe(0);
  return existsSync(log) ? readFileSync(log, "utf8").trim().split("\n") : [];
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "pullkey-lazy-"));
  writeFileSync(join(dir, "token"), "lazy-suite-token\n", { mode: 0o600 });
  config = join(dir, "pullkey.yaml");
  writeFileSync(
    config,
    `apiVersion: pullkey/v1\nkind: PullkeyConfig\nstateDir: ${join(dir, "state")}\nrules:\n  - name: hub\n    preset: dockerhub\n    source: {type: static, username: robot, passwordFile: token}\n`,
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("what an exec of the bundle compiles", () => {
  it("compiles only the config compiler the first time it reads a config", () => {
    expect(compiledModules(["--config", config])).toEqual(["pullkey-config-compiler.cjs"]);
  });

  it("compiles nothing at all for a cache hit with an unchanged config", () => {
    expect(compiledModules(["--config", config])).toEqual([]);
  });

  it("compiles the config again once the config changes", () => {
    writeFileSync(config, `${readFileSync(config, "utf8")}# edited\n`);
    expect(compiledModules(["--config", config])).toEqual(["pullkey-config-compiler.cjs"]);
  });

  it("never compiles the Vault or AWS sources for a config that does not use them", () => {
    const all = [
      ...compiledModules(["--config", config]),
      ...compiledModules(["get", "busybox", "--config", config]).filter(
        (m) => m !== "pullkey-config-compiler.cjs",
      ),
    ];
    expect(all.filter((m) => m.startsWith("pullkey-source-"))).toEqual([]);
  });
});
