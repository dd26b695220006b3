import { DURATION_BUCKETS, type MetricsState } from "./state.js";

/**
 * Renders the state in the Prometheus text exposition format (version 0.0.4) for
 * node-exporter's textfile collector: HELP and TYPE once per family, no timestamps (the
 * collector adds its own), base units (seconds), `_total` on counters. Pure.
 */
export function renderTextfile(state: MetricsState): string {
  const out: string[] = [];
  const family = (name: string, type: string, help: string) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  };

  family(
    "pullkey_execs_total",
    "counter",
    "Plugin execs recorded, by result (success or failure) and the matching rule's source type (none: no rule).",
  );
  for (const key of Object.keys(state.execs).sort()) {
    const [result = "", source = ""] = key.split("|");
    out.push(`pullkey_execs_total${labels({ result, source })} ${num(state.execs[key] ?? 0)}`);
  }

  family("pullkey_exec_failures_total", "counter", "Failed plugin execs, by pullkey error code.");
  for (const code of Object.keys(state.failures).sort()) {
    out.push(`pullkey_exec_failures_total${labels({ code })} ${num(state.failures[code] ?? 0)}`);
  }

  family(
    "pullkey_cache_answers_total",
    "counter",
    "Credentials handed to the kubelet, by origin: backend (fetched), cache (fresh node-cache entry) or stale (last good entry while the backend failed).",
  );
  for (const origin of ["backend", "cache", "stale"] as const) {
    out.push(`pullkey_cache_answers_total${labels({ origin })} ${num(state.answers[origin])}`);
  }

  family(
    "pullkey_backend_request_duration_seconds",
    "histogram",
    "Time of each credential fetch from a source on a node-cache miss (a Vault login included), by source type.",
  );
  for (const source of Object.keys(state.backend).sort()) {
    const h = state.backend[source];
    if (!h) continue;
    DURATION_BUCKETS.forEach((le, i) => {
      out.push(
        `pullkey_backend_request_duration_seconds_bucket${labels({ source, le: String(le) })} ${num(h.buckets[i] ?? 0)}`,
      );
    });
    out.push(
      `pullkey_backend_request_duration_seconds_bucket${labels({ source, le: "+Inf" })} ${num(h.count)}`,
      `pullkey_backend_request_duration_seconds_sum${labels({ source })} ${num(Math.round(h.sum * 1e6) / 1e6)}`,
      `pullkey_backend_request_duration_seconds_count${labels({ source })} ${num(h.count)}`,
    );
  }

  family(
    "pullkey_last_success_timestamp_seconds",
    "gauge",
    "Unix time of the last exec that answered the kubelet (0: none yet).",
  );
  out.push(`pullkey_last_success_timestamp_seconds ${num(state.lastSuccess)}`);
  return `${out.join("\n")}\n`;
}

/** `{a="x",b="y"}` with the format's escapes for backslash, quote and newline. */
function labels(pairs: Record<string, string>): string {
  const body = Object.entries(pairs)
    .map(
      ([k, v]) => `${k}="${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`,
    )
    .join(",");
  return `{${body}}`;
}

function num(value: number): string {
  return Number.isFinite(value) ? String(value) : "0";
}
