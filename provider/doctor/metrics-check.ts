import { constants } from "node:fs";
import { access, stat } from "node:fs/promises";
import { dirname } from "node:path";
import type { Config } from "../config/config.js";
import { metricsFiles, readState } from "../metrics/store.js";
import type { CheckResult } from "./report.js";

/**
 * Whether the configured metrics textfile can be (and is being) written. Problems are warnings:
 * metrics never fail an exec, so pulls work either way.
 */
export async function metricsCheck(config: Config, now: Date): Promise<CheckResult | undefined> {
  const textfile = config.metrics?.textfile;
  if (textfile === undefined) return undefined;
  const id = "metrics";
  const folder = dirname(textfile);
  try {
    if (!(await stat(folder)).isDirectory()) {
      return {
        id,
        status: "warn",
        summary: `${folder} is not a folder, so ${textfile} is never written`,
      };
    }
    await access(folder, constants.W_OK);
  } catch (err) {
    const code = (err as { code?: string }).code;
    return {
      id,
      status: "warn",
      summary:
        code === "ENOENT"
          ? `${folder} does not exist, so ${textfile} is never written: pullkey does not create it; point node-exporter's --collector.textfile.directory there and create it`
          : `${folder} is not writable (${code ?? "error"}), so ${textfile} is never written`,
    };
  }
  let written: Date;
  try {
    written = (await stat(textfile)).mtime;
  } catch {
    return { id, status: "ok", summary: `${textfile} is written after the next exec (none yet)` };
  }
  const state = await readState(metricsFiles(config.stateDir, textfile));
  const execs = Object.values(state.execs).reduce((a, b) => a + b, 0);
  const ago = Math.max(0, Math.round((now.getTime() - written.getTime()) / 1000));
  const last = state.lastSuccess > 0 ? new Date(state.lastSuccess * 1000).toISOString() : "never";
  return {
    id,
    status: "ok",
    summary: `${textfile} written ${ago}s ago: ${execs} execs counted, last success ${last}`,
  };
}
