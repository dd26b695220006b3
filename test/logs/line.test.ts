import { describe, expect, it } from "vitest";
import { type ExecRecord, execLogLine } from "../../provider/logs/line.js";

const AT = new Date("2026-11-27T07:00:00.000Z");

describe("the exec log line", () => {
  it.each<{ name: string; record: ExecRecord; line: string }>([
    {
      name: "an answer from the node cache",
      record: {
        at: AT,
        durationMs: 12,
        image: "docker.io/library/busybox",
        rule: "hub",
        source: "static /etc/pullkey/hub.token",
        origin: "cache",
        cacheKeyType: "Registry",
        cacheDuration: "9m58s",
        fetchMs: [],
      },
      line: 'time=2026-11-27T07:00:00.000Z level=info msg=answered image=docker.io/library/busybox rule=hub source="static /etc/pullkey/hub.token" origin=cache cacheKeyType=Registry cacheDuration=9m58s duration_ms=12\n',
    },
    {
      name: "a failure, with its code and message",
      record: {
        at: AT,
        durationMs: 20001,
        image: "quay.io/team/app",
        rule: "quay",
        fetchMs: [5003, 5001, 10000],
        code: "DEADLINE_EXCEEDED",
        message:
          'image "quay.io/team/app", rule "quay": source vault kv/quay did not answer in time',
      },
      line: 'time=2026-11-27T07:00:00.000Z level=error msg=failed image=quay.io/team/app rule=quay duration_ms=20001 fetch_ms=5003,5001,10000 code=DEADLINE_EXCEEDED error="image \\"quay.io/team/app\\", rule \\"quay\\": source vault kv/quay did not answer in time"\n',
    },
    {
      name: "a value with a newline and an equals sign, kept on one line",
      record: { at: AT, durationMs: 1, image: "x", code: "INTERNAL", message: "a=b\nforged=line" },
      line: 'time=2026-11-27T07:00:00.000Z level=error msg=failed image=x duration_ms=1 code=INTERNAL error="a=b forged=line"\n',
    },
  ])("writes $name as one logfmt line", ({ record, line }) => {
    expect(execLogLine(record)).toBe(line);
  });
});
