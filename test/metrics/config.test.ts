import { describe, expect, it } from "vitest";
import { validateConfig } from "../../provider/config/validate.js";

const base = {
  apiVersion: "pullkey/v1",
  kind: "PullkeyConfig",
  rules: [
    {
      name: "hub",
      preset: "dockerhub",
      source: { type: "static", username: "u", passwordFile: "p" },
    },
  ],
};

describe("the metrics and log settings in pullkey's config", () => {
  it("leaves both out unless configured, so the plugin runs no metrics or log code", () => {
    const { config } = validateConfig(base, "/etc/pullkey/config.yaml");
    expect(config?.metrics).toBeUndefined();
    expect(config?.log).toBeUndefined();
  });

  it("takes a textfile and a log file", () => {
    const { config, errors } = validateConfig(
      {
        ...base,
        metrics: { textfile: "/var/lib/node_exporter/textfile_collector/pullkey.prom" },
        log: { file: "/var/log/pullkey.log", journald: true },
      },
      "/etc/pullkey/config.yaml",
    );
    expect(errors).toEqual([]);
    expect(config?.metrics).toEqual({
      textfile: "/var/lib/node_exporter/textfile_collector/pullkey.prom",
    });
    expect(config?.log).toEqual({ file: "/var/log/pullkey.log", journald: true });
  });

  it.each([
    {
      name: "a relative textfile",
      extra: { metrics: { textfile: "pullkey.prom" } },
      error: "metrics.textfile: must be an absolute path ending in .prom",
    },
    {
      name: "a textfile node-exporter would not read (not *.prom)",
      extra: { metrics: { textfile: "/var/lib/node_exporter/pullkey.txt" } },
      error: "metrics.textfile: must be an absolute path ending in .prom",
    },
    {
      name: "metrics without a textfile",
      extra: { metrics: {} },
      error: "metrics.textfile: required",
    },
    {
      name: "an unknown metrics field",
      extra: { metrics: { textfile: "/x.prom", port: 9100 } },
      error: "metrics.port: unknown field",
    },
    {
      name: "a relative log file",
      extra: { log: { file: "pullkey.log" } },
      error: "log.file: must be an absolute path",
    },
    {
      name: "a log with nowhere to go",
      extra: { log: { journald: false } },
      error: "log: set file, journald: true, or both",
    },
  ])("rejects $name", ({ extra, error }) => {
    expect(validateConfig({ ...base, ...extra }, "/etc/pullkey/config.yaml").errors).toEqual([
      error,
    ]);
  });
});
