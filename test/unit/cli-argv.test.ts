import { parseArgs } from "node:util";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { kubeletArgv, OPTIONS } from "../../provider/cli.js";

/** What parseArgs makes of argv, as run() reads it: the values, the positionals, or its error. */
function parsed(argv: string[]): unknown {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: OPTIONS,
      allowPositionals: true,
      strict: true,
    });
    return { values: { ...values }, positionals };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

describe("the kubelet's argv, read without parseArgs", () => {
  it.each([
    { name: "no argument (the default config)", argv: [] },
    { name: "--config FILE, as the installer writes it", argv: ["--config", "/etc/p.yaml"] },
    { name: "a relative FILE (plugin mode refuses it later)", argv: ["--config", "p.yaml"] },
    { name: "an empty FILE", argv: ["--config", ""] },
  ])("reads $name exactly as parseArgs does", ({ argv }) => {
    const fast = kubeletArgv(argv);
    expect(fast).toBeDefined();
    expect(parsed(argv)).toEqual({
      values: fast?.config === undefined ? {} : { config: fast.config },
      positionals: [],
    });
  });

  it.each([
    { name: "--config=FILE", argv: ["--config=/etc/p.yaml"] },
    { name: "a value that looks like an option", argv: ["--config", "-v"] },
    { name: "a command", argv: ["get", "busybox"] },
    { name: "--config without a value", argv: ["--config"] },
    { name: "a second option", argv: ["--config", "/etc/p.yaml", "-v"] },
    { name: "-h", argv: ["-h"] },
  ])("leaves $name to parseArgs", ({ argv }) => {
    expect(kubeletArgv(argv)).toBeUndefined();
  });

  it("never reads an argv differently from parseArgs", () => {
    const token = fc.constantFrom(
      "--config",
      "--config=/a.yaml",
      "/etc/pullkey/config.yaml",
      "",
      "-",
      "--",
      "-v",
      "--help",
      "get",
      "plugin",
      "--no-cache",
      "x",
    );
    fc.assert(
      fc.property(fc.array(fc.oneof(token, fc.string()), { maxLength: 4 }), (argv) => {
        const fast = kubeletArgv(argv);
        if (fast === undefined) return;
        expect(parsed(argv)).toEqual({
          values: fast.config === undefined ? {} : { config: fast.config },
          positionals: [],
        });
      }),
      { numRuns: 2_000 },
    );
  });
});
