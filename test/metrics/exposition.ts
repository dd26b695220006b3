import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The pinned release of the Prometheus Python client whose text parser judges the textfile. */
export const PROMETHEUS_CLIENT_VERSION = "0.26.0";

const script = fileURLToPath(new URL("./exposition.py", import.meta.url));
let installed = false;

/** Installs prometheus_client with pip (as moto is, scripts/peers/moto.mjs) when it is missing. */
function ensurePrometheusClient(): void {
  if (installed) return;
  const probe = spawnSync("python3", ["-c", "import prometheus_client"], { stdio: "ignore" });
  if (probe.status !== 0) {
    const pip = spawnSync(
      "python3",
      [
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        `prometheus-client==${PROMETHEUS_CLIENT_VERSION}`,
      ],
      { encoding: "utf8", timeout: 300_000 },
    );
    if (pip.status !== 0) {
      throw new Error(`pip install prometheus-client failed:\n${pip.stdout}${pip.stderr}`);
    }
  }
  installed = true;
}

/**
 * Parses Prometheus text exposition (0.0.4) with an independent parser, the Prometheus Python
 * client's (`prometheus_client.parser`), plus the rules node-exporter's textfile collector adds
 * (every family typed, no duplicate series, histograms cumulative with +Inf equal to _count).
 * Throws with the parser's reason; returns the samples by series, labels in written order.
 */
export function parseExposition(text: string): Map<string, number> {
  ensurePrometheusClient();
  const result = spawnSync("python3", [script], { input: text, encoding: "utf8", timeout: 30_000 });
  if (result.status !== 0) {
    throw new Error(`exposition rejected: ${result.stderr.trim() || `status ${result.status}`}`);
  }
  const samples = JSON.parse(result.stdout) as [string, number | "+Inf"][];
  return new Map(samples.map(([series, value]) => [series, value === "+Inf" ? Infinity : value]));
}
