import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DOCTOR_HELP } from "../../../provider/commands/doctor.js";
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
