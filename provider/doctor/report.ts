import { oneLine } from "../errors.js";

/** ok: works; warn: works, but look; fail: pulls will not get pullkey's credentials; skip: not checked. */
export type CheckStatus = "ok" | "warn" | "fail" | "skip";

/** One line of the doctor's report. `id` is stable for scripts reading --json. */
export interface CheckResult {
  id: string;
  status: CheckStatus;
  summary: string;
}

/** The whole report: every check, and the verdict that decides the exit status. */
export interface DoctorReport {
  image?: string;
  checks: CheckResult[];
  verdict: "ok" | "fail";
}

/** Fails when any check failed; warnings and skipped checks do not fail the verdict. */
export function verdictOf(checks: readonly CheckResult[]): "ok" | "fail" {
  return checks.some((c) => c.status === "fail") ? "fail" : "ok";
}

/** The longest check id, `kubelet-provider`, so summaries line up. */
const WIDTH = 16;

/** One line per check, `status  id  summary`, then the verdict. */
export function renderText(report: DoctorReport): string {
  const lines = report.checks.map(
    (c) => `${c.status.padEnd(4)}  ${c.id.padEnd(WIDTH)}  ${oneLine(c.summary)}`,
  );
  const failed = report.checks.filter((c) => c.status === "fail").map((c) => c.id);
  const warned = report.checks.filter((c) => c.status === "warn").map((c) => c.id);
  const verdict =
    report.verdict === "ok"
      ? `verdict: ok: ${report.checks.filter((c) => c.status === "ok").length} checks passed${warned.length ? `, ${warned.length} warning${warned.length === 1 ? "" : "s"} (${warned.join(", ")})` : ""}`
      : `verdict: fail: ${failed.length} check${failed.length === 1 ? "" : "s"} failed (${failed.join(", ")})`;
  return `${[...lines, verdict].join("\n")}\n`;
}

/** The report as one JSON document, for scripts. */
export function renderJson(report: DoctorReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
