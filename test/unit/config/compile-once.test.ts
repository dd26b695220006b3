import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { compileOnce } from "../../../provider/config/compile-once.js";
import { compiledKey } from "../../../provider/config/compiled.js";
import type { Config } from "../../../provider/config/config.js";

const UID = process.getuid?.() ?? 0;
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "pullkey-compile-once-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function compiler(stateDir: string) {
  const calls = { count: 0 };
  const compile = async () => {
    calls.count++;
    await new Promise((resolve) => setTimeout(resolve, 50));
    return { config: { stateDir, rules: [] } as unknown as Config, warnings: ["w"] };
  };
  return { calls, compile };
}

describe("compiling a config once for execs that start together", () => {
  it("compiles once for 20 concurrent execs; the others take the stored copy", async () => {
    const stateDir = join(dir, "state");
    const key = compiledKey("/etc/pullkey/config.yaml", new TextEncoder().encode("rules: []"));
    const { calls, compile } = compiler(stateDir);
    const results = await Promise.all(
      Array.from({ length: 20 }, () => compileOnce(stateDir, key, UID, compile)),
    );
    expect(calls.count).toBe(1);
    expect(results.every((r) => r.config.stateDir === stateDir)).toBe(true);
  });

  it("compiles on its own when the stateDir cannot be used", async () => {
    writeFileSync(join(dir, "a-file"), "");
    const stateDir = join(dir, "a-file", "state");
    const { calls, compile } = compiler(stateDir);
    const key = compiledKey("/etc/pullkey/config.yaml", new Uint8Array());
    expect((await compileOnce(stateDir, key, UID, compile)).warnings).toEqual(["w"]);
    expect(calls.count).toBe(1);
  });
});
