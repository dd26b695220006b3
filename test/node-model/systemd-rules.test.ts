// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these are systemd command lines, not templates
import { describe, expect, it } from "vitest";
import { parseEnvFile } from "../../provider/node/env-file.js";
import { expandExecLine, parseExecLine } from "../../provider/node/exec-line.js";
import { flagValue } from "../../provider/node/origin.js";
import { evaluateService } from "../../provider/node/systemd.js";
import { expandSpecifiers, parseUnitFile } from "../../provider/node/unit-file.js";

/** The systemd rules the node model follows, one table each (systemd.syntax/exec/service). */

const env = (pairs: Record<string, string>) =>
  new Map(
    Object.entries(pairs).map(([name, value]) => [
      name,
      { value, origin: { file: "/etc/default/kubelet", line: 1 } },
    ]),
  );
const ORIGIN = { file: "/etc/systemd/system/kubelet.service", line: 7 };
const expand = (line: string, vars: Record<string, string> = {}) =>
  expandExecLine(parseExecLine(line), env(vars), ORIGIN).map((a) => a.value);

describe("unit files", () => {
  it.each([
    {
      name: "a trailing backslash joins the next line with a blank",
      text: "[Service]\nExecStart=/bin/kubelet \\\n  --v=2\n",
      want: [{ key: "ExecStart", value: "/bin/kubelet --v=2", line: 2 }],
    },
    {
      name: "comment lines inside a continuation are skipped",
      text: "[Service]\nExecStart=/bin/kubelet \\\n# a note\n  --v=2\n",
      want: [{ key: "ExecStart", value: "/bin/kubelet --v=2", line: 2 }],
    },
    {
      name: "# and ; start comment lines",
      text: "[Service]\n# ExecStart=/no\n; ExecStart=/no\nExecStart=/yes\n",
      want: [{ key: "ExecStart", value: "/yes", line: 4 }],
    },
    {
      name: "blanks around = are dropped",
      text: "[Service]\nExecStart = /bin/kubelet\n",
      want: [{ key: "ExecStart", value: "/bin/kubelet", line: 2 }],
    },
  ])("$name", ({ text, want }) => {
    expect(parseUnitFile(text).map(({ key, value, line }) => ({ key, value, line }))).toEqual(want);
  });

  it.each([
    { unit: "k3s-agent.service", text: "/etc/default/%N", want: "/etc/default/k3s-agent" },
    { unit: "kubelet.service", text: "%n 100%%", want: "kubelet.service 100%" },
    { unit: "getty@tty1.service", text: "%p %i", want: "getty tty1" },
  ])("expands specifiers in $text for $unit", ({ unit, text, want }) => {
    expect(expandSpecifiers(text, unit)).toBe(want);
  });
});

describe("environment files", () => {
  it.each([
    { name: "a plain value", text: "A=b c\n", want: { A: "b c" } },
    { name: "blanks around an unquoted value go", text: "A=   b c   \n", want: { A: "b c" } },
    { name: "double quotes", text: 'A="b  c"\n', want: { A: "b  c" } },
    { name: "single quotes keep backslashes", text: "A='b\\c'\n", want: { A: "b\\c" } },
    {
      name: 'in double quotes only " \\ ` $ are escaped',
      text: 'A="x\\"y\\$z\\n"\n',
      want: { A: 'x"y$z\\n' },
    },
    {
      name: "a backslash-newline joins lines, quoted or not",
      text: 'A="--a \\\n--b"\nB=--c \\\n--d\n',
      want: { A: "--a --b", B: "--c --d" },
    },
    { name: "comments with # and ;", text: "# A=1\n; A=2\nA=3\n", want: { A: "3" } },
    { name: "a later assignment wins", text: "A=1\nA=2\n", want: { A: "2" } },
    { name: "export is not shell: the line is ignored", text: "export A=1\n", want: {} },
    { name: "an empty value", text: "A=\n", want: { A: "" } },
    { name: "no final newline", text: "A=1", want: { A: "1" } },
    { name: "a quoted value spanning lines", text: 'A="1\n2"\n', want: { A: "1\n2" } },
  ])("$name", ({ text, want }) => {
    const got: Record<string, string> = {};
    for (const a of parseEnvFile(text)) got[a.name] = a.value;
    expect(got).toEqual(want);
  });

  it("numbers each assignment's first line", () => {
    expect(parseEnvFile('# x\nA="1 \\\n2"\nB=3\n').map((a) => [a.name, a.line])).toEqual([
      ["A", 2],
      ["B", 4],
    ]);
  });
});

describe("ExecStart command lines", () => {
  it.each([
    {
      name: "$VAR alone splits at blanks",
      line: "/k $A",
      vars: { A: "--a --b" },
      want: ["/k", "--a", "--b"],
    },
    {
      name: "$VAR alone honours quotes in the value",
      line: "/k $A",
      vars: { A: '--x="1 2"' },
      want: ["/k", "--x=1 2"],
    },
    {
      name: "${VAR} is one word",
      line: "/k ${A}",
      vars: { A: "--a --b" },
      want: ["/k", "--a --b"],
    },
    { name: "${VAR} inside a word", line: "/k --x=${A}", vars: { A: "1" }, want: ["/k", "--x=1"] },
    {
      name: "$VAR inside a word stays as written",
      line: "/k --x=$A",
      vars: { A: "1" },
      want: ["/k", "--x=$A"],
    },
    { name: "an unset $VAR vanishes", line: "/k $NOPE --v=2", want: ["/k", "--v=2"] },
    { name: "an unset ${VAR} is an empty word", line: "/k ${NOPE}", want: ["/k", ""] },
    { name: "$$ is a dollar", line: "/k --x=$$HOME", want: ["/k", "--x=$HOME"] },
    { name: "quotes group words", line: "/k \"--a b\" '--c d'", want: ["/k", "--a b", "--c d"] },
    { name: "prefixes are dropped", line: "-/k --v=2", want: ["/k", "--v=2"] },
    {
      name: "@ makes the second word argv[0]",
      line: "@/usr/bin/kubelet kubelet --v=2",
      want: ["kubelet", "--v=2"],
    },
    { name: ": turns expansion off", line: ":/k $A", vars: { A: "x" }, want: ["/k", "$A"] },
  ])("$name", ({ line, vars, want }) => {
    expect(expand(line, vars)).toEqual(want);
  });

  it("gives each expanded word the file and line of its variable", () => {
    const args = expandExecLine(parseExecLine("/k --v=2 $A"), env({ A: "--x" }), ORIGIN);
    expect(args.map((a) => a.origin)).toEqual([
      ORIGIN,
      ORIGIN,
      { file: "/etc/default/kubelet", line: 1, variable: "A" },
    ]);
  });

  it.each([
    { name: "--flag=value", argv: ["k", "--image-credential-provider-config=/a"], want: "/a" },
    { name: "--flag value", argv: ["k", "--image-credential-provider-config", "/a"], want: "/a" },
    {
      name: "the last occurrence (pflag)",
      argv: [
        "k",
        "--image-credential-provider-config=/a",
        "--image-credential-provider-config",
        "/b",
      ],
      want: "/b",
    },
    {
      name: "nothing after --",
      argv: ["k", "--", "--image-credential-provider-config=/a"],
      want: undefined,
    },
  ])("reads a flag given as $name", ({ argv, want }) => {
    const args = argv.map((value) => ({ value, origin: ORIGIN }));
    expect(flagValue(args, "--image-credential-provider-config")?.value).toBe(want);
  });
});

describe("a service's unit, drop-ins and environment together", () => {
  const unit = (path: string, text: string) => ({ path, text });
  const evaluate = (
    sources: { path: string; text: string }[],
    files: Record<string, string> = {},
  ) => evaluateService("kubelet.service", sources, new Map(Object.entries(files)));

  it.each([
    {
      name: "an empty ExecStart= in a drop-in resets the unit's",
      sources: [
        unit("/u", "[Service]\nExecStart=/k --v=1\n"),
        unit("/d", "[Service]\nExecStart=\nExecStart=/k --v=2\n"),
      ],
      want: ["/k", "--v=2"],
    },
    {
      name: "environment files override Environment=, later files override earlier ones",
      sources: [
        unit(
          "/u",
          '[Service]\nEnvironment="A=--env" B=--b\nEnvironmentFile=-/f1\nEnvironmentFile=-/f2\nExecStart=/k $A $B\n',
        ),
      ],
      files: { "/f1": "A=--f1\nB=--f1b\n", "/f2": "A=--f2\n" },
      want: ["/k", "--f2", "--f1b"],
    },
    {
      name: "a missing optional environment file is no error",
      sources: [unit("/u", "[Service]\nEnvironmentFile=-/gone\nExecStart=/k $A\n")],
      want: ["/k"],
    },
    {
      name: "ExecStart in another section is not the service's",
      sources: [unit("/u", "[Unit]\nExecStart=/no\n[Service]\nExecStart=/k\n")],
      want: ["/k"],
    },
    {
      name: "an empty Environment= resets the list",
      sources: [
        unit("/u", "[Service]\nEnvironment=A=1\nExecStart=/k ${A}\n"),
        unit("/d", "[Service]\nEnvironment=\n"),
      ],
      want: ["/k", ""],
    },
  ])("$name", ({ sources, files, want }) => {
    const model = evaluate(sources, files);
    expect(model.args.map((a) => a.value)).toEqual(want);
    expect(model.problems).toEqual([]);
  });

  it.each([
    {
      name: "two ExecStart= without a reset",
      sources: [
        unit("/u", "[Service]\nExecStart=/k\n"),
        unit("/d", "[Service]\nExecStart=/k --v=2\n"),
      ],
      problem:
        "kubelet.service has 2 ExecStart= lines (/u:2, /d:2) with no empty ExecStart= between them: systemd refuses to start it",
    },
    {
      name: "a required environment file that is missing",
      sources: [unit("/u", "[Service]\nEnvironmentFile=/gone\nExecStart=/k\n")],
      problem:
        '/gone (EnvironmentFile= in /u:2, no "-") does not exist: systemd refuses to start kubelet.service',
    },
  ])("reports $name", ({ sources, problem }) => {
    expect(evaluate(sources).problems).toContain(problem);
  });
});
