import { describe, expect, it } from "vitest";
import { renderTextfile } from "../../provider/metrics/render.js";
import {
  applyExec,
  decodeState,
  type ExecEvent,
  emptyState,
} from "../../provider/metrics/state.js";
import { parseExposition } from "./exposition.js";

const AT = new Date("2026-11-27T12:00:00.500Z");

function fold(events: Omit<ExecEvent, "at">[]) {
  return events.reduce((state, event) => applyExec(state, { ...event, at: AT }), emptyState());
}

describe("counting execs for the textfile", () => {
  it.each<{ name: string; events: Omit<ExecEvent, "at">[]; expected: Record<string, number> }>([
    {
      name: "a fetch from the backend",
      events: [{ source: "vault", origin: "backend", backendSeconds: [0.2] }],
      expected: {
        'pullkey_execs_total{result="success",source="vault"}': 1,
        'pullkey_cache_answers_total{origin="backend"}': 1,
        'pullkey_cache_answers_total{origin="cache"}': 0,
        'pullkey_backend_request_duration_seconds_bucket{source="vault",le="0.1"}': 0,
        'pullkey_backend_request_duration_seconds_bucket{source="vault",le="0.25"}': 1,
        'pullkey_backend_request_duration_seconds_bucket{source="vault",le="+Inf"}': 1,
        'pullkey_backend_request_duration_seconds_sum{source="vault"}': 0.2,
        'pullkey_backend_request_duration_seconds_count{source="vault"}': 1,
        pullkey_last_success_timestamp_seconds: 1795780800.5,
      },
    },
    {
      name: "answers from the node cache and a stale entry, with no backend time",
      events: [
        { source: "static", origin: "cache", backendSeconds: [] },
        { source: "static", origin: "stale", backendSeconds: [] },
      ],
      expected: {
        'pullkey_execs_total{result="success",source="static"}': 2,
        'pullkey_cache_answers_total{origin="cache"}': 1,
        'pullkey_cache_answers_total{origin="stale"}': 1,
      },
    },
    {
      name: "failures by code, which leave the last success alone",
      events: [
        { source: "none", failure: "NO_MATCHING_RULE", backendSeconds: [] },
        { source: "vault", failure: "SOURCE_UNREACHABLE", backendSeconds: [1.5, 30] },
      ],
      expected: {
        'pullkey_execs_total{result="failure",source="none"}': 1,
        'pullkey_execs_total{result="failure",source="vault"}': 1,
        'pullkey_exec_failures_total{code="NO_MATCHING_RULE"}': 1,
        'pullkey_exec_failures_total{code="SOURCE_UNREACHABLE"}': 1,
        'pullkey_backend_request_duration_seconds_bucket{source="vault",le="25"}': 1,
        'pullkey_backend_request_duration_seconds_count{source="vault"}': 2,
        pullkey_last_success_timestamp_seconds: 0,
      },
    },
  ])("renders $name as valid exposition text", ({ events, expected }) => {
    const samples = parseExposition(renderTextfile(fold(events)));
    for (const [series, value] of Object.entries(expected))
      expect([series, samples.get(series)]).toEqual([series, value]);
  });

  it("renders an empty state with every family declared and the origins at zero", () => {
    const text = renderTextfile(emptyState());
    parseExposition(text);
    expect(text.match(/^# TYPE .*$/gm)).toEqual([
      "# TYPE pullkey_execs_total counter",
      "# TYPE pullkey_exec_failures_total counter",
      "# TYPE pullkey_cache_answers_total counter",
      "# TYPE pullkey_backend_request_duration_seconds histogram",
      "# TYPE pullkey_last_success_timestamp_seconds gauge",
    ]);
  });

  it.each([
    { name: "no file yet", text: undefined },
    { name: "a truncated file", text: '{"v":1,"execs":{' },
    { name: "another version", text: '{"v":2}' },
    {
      name: "a negative counter",
      text: '{"v":1,"execs":{"a|b":-1},"failures":{},"answers":{},"backend":{},"lastSuccess":0}',
    },
    {
      name: "a histogram of the wrong length",
      text: '{"v":1,"execs":{},"failures":{},"answers":{},"backend":{"x":{"buckets":[1],"sum":1,"count":1}},"lastSuccess":0}',
    },
  ])("starts from zero on $name", ({ text }) => {
    expect(decodeState(text)).toEqual(emptyState());
  });

  it("round-trips a stored state", () => {
    const state = fold([{ source: "static", origin: "backend", backendSeconds: [0.01] }]);
    expect(decodeState(JSON.stringify(state))).toEqual(state);
  });
});

describe("the exposition parser used on the textfile (prometheus_client)", () => {
  it.each([
    { name: "a sample before its TYPE", text: "pullkey_x_total 1\n" },
    { name: "an unescaped quote in a label", text: '# TYPE a gauge\na{l="x"y"} 1\n' },
    { name: "a value that is not a number", text: "# TYPE a gauge\na one\n" },
    { name: "a duplicate series", text: "# TYPE a gauge\na 1\na 2\n" },
    { name: "a missing final newline", text: "# TYPE a gauge\na 1" },
    {
      name: "a histogram whose +Inf bucket is not its count",
      text: '# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 2\n',
    },
  ])("rejects $name", ({ text }) => {
    expect(() => parseExposition(text)).toThrow();
  });
});
