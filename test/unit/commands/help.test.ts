import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DOCTOR_HELP } from "../../../provider/commands/doctor.js";
import { HELP } from "../../../provider/commands/help.js";
import { INSTALL_HELP, UNINSTALL_ALLOWED } from "../../../provider/commands/install-options.js";
import { DOCTOR_CHECKS } from "../../../provider/doctor/checks.js";

const DOCTOR_DIR = join(import.meta.dirname, "../../../provider/doctor");

/** The check ids the doctor's code reports: `const id = "…"` and `id: "…"` in provider/doctor/. */
function reportedIds(): Set<string> {
  const ids = new Set<string>();
  for (const file of readdirSync(DOCTOR_DIR).filter((name) => name.endsWith(".ts"))) {
    const text = readFileSync(join(DOCTOR_DIR, file), "utf8");
    for (const match of text.matchAll(/\bid(?: =|:) "([a-z-]+)"/g)) ids.add(match[1] as string);
  }
  return ids;
}

/** The `--flags` of the usage line in `help` that starts with `pullkey <command>`. */
function synopsisFlags(help: string, command: string): string[] {
  const line = help.split("\n").find((l) => l.trimStart().startsWith(`pullkey ${command} `));
  if (!line) throw new Error(`no usage line for ${command}`);
  return [...line.matchAll(/\[?(--[a-z-]+)/g)].map((m) => m[1] as string).sort();
}

describe("doctor --help", () => {
  it("lists every check the doctor can report, and only those", () => {
    const listed = DOCTOR_CHECKS.flatMap((check) => check.ids);
    expect(new Set(listed)).toEqual(reportedIds());
    expect(listed.length).toBe(new Set(listed).size);
  });

  it("names each check on its own line, kubelet-token-audience included", () => {
    for (const check of DOCTOR_CHECKS) {
      expect(DOCTOR_HELP).toMatch(new RegExp(`^  ${check.ids.join(", ")}\\b`, "m"));
    }
    expect(DOCTOR_HELP).toMatch(/^ {2}kubelet-token-audience\b/m);
  });

  it("keeps its lines within 100 columns", () => {
    for (const line of DOCTOR_HELP.split("\n")) expect(line.length).toBeLessThanOrEqual(100);
  });

  it("is the same list docs/doctor.md documents", () => {
    const doc = readFileSync(join(import.meta.dirname, "../../../docs/doctor.md"), "utf8");
    for (const id of DOCTOR_CHECKS.flatMap((check) => check.ids).filter((i) => i !== "image")) {
      expect(doc).toContain(`\`${id}\``);
    }
  });
});

describe("pullkey --help and the subcommands' own help", () => {
  it("show uninstall with the same options, each one uninstall accepts", () => {
    const top = synopsisFlags(HELP, "uninstall");
    expect(top).toEqual(synopsisFlags(INSTALL_HELP, "uninstall"));
    expect(top).toEqual(expect.arrayContaining(["--root", "--dry-run", "--restart"]));
    for (const flag of top) expect(UNINSTALL_ALLOWED.has(flag.slice(2))).toBe(true);
  });

  it("show doctor with the same options", () => {
    expect(synopsisFlags(HELP, "doctor")).toEqual(synopsisFlags(DOCTOR_HELP, "doctor"));
  });

  it("show install with options install --help documents", () => {
    for (const flag of synopsisFlags(HELP, "install")) expect(INSTALL_HELP).toContain(flag);
  });
});
