import { describe, expect, it } from "vitest";
import { goText } from "../../../provider/gocompat/result.js";
import { parseSchemeless } from "../../../provider/gocompat/url.js";

// Go's url.Parse("https://" + pattern), the kubelet's ParseSchemelessURL. An error here is the
// kubelet refusing a matchImages entry (config validation) and skipping an auth key (keyring).
describe("Go's url.Parse verdicts and error texts", () => {
  it.each([
    { name: "a plain host", pattern: "docker.io", error: undefined },
    {
      name: "a glob host with port and path",
      pattern: "*.example.com:5000/team",
      error: undefined,
    },
    {
      name: "a path glob (parses; never matches)",
      pattern: "harbor.example.com/*",
      error: undefined,
    },
    { name: "userinfo (ignored by matching)", pattern: "u@docker.io", error: undefined },
    { name: "userinfo with a good escape", pattern: "u%41:p%42@docker.io", error: undefined },
    { name: "an IPv6 literal with a zone", pattern: "[fe80::1%25en0]:5000", error: undefined },
    { name: "an IPv4-mapped IPv6 literal", pattern: "[::ffff:10.0.0.1]", error: undefined },
    {
      name: "a bad escape in the userinfo",
      pattern: "u%zz@docker.io",
      error: 'parse "https://u%zz@docker.io": invalid URL escape "%zz"',
    },
    {
      name: "a bad escape in the password",
      pattern: "u:p%zz@docker.io",
      error: 'parse "https://u:p%zz@docker.io": invalid URL escape "%zz"',
    },
    {
      name: "a character Go's userinfo does not allow",
      pattern: "u/x@docker.io/a",
      error: undefined, // the first "/" ends the authority: host "u", path "/x@docker.io/a"
    },
    {
      name: "a bad escape",
      pattern: "%invalid%",
      error: 'parse "https://%invalid%": invalid URL escape "%in"',
    },
    {
      name: "an escaped ASCII byte in the host",
      pattern: "docker%2eio",
      error: 'parse "https://docker%2eio": invalid URL escape "%2e"',
    },
    {
      name: "a named port",
      pattern: "registry.local:http",
      error: 'parse "https://registry.local:http": invalid port ":http" after host',
    },
    {
      name: "two colons in an https host (Go 1.26, go.dev/issue/75223)",
      pattern: "a:1:2",
      error: 'parse "https://a:1:2": invalid port ":1:2" after host',
    },
    {
      name: "a space in the host",
      pattern: "my registry",
      error: 'parse "https://my registry": invalid character " " in host name',
    },
    {
      name: "a bracket inside the host",
      pattern: "a[b",
      error: 'parse "https://a[b": invalid IP-literal',
    },
    {
      name: "an IPv4 literal in brackets",
      pattern: "[10.0.0.1]",
      error: 'parse "https://[10.0.0.1]": invalid host: "10.0.0.1" is not IPv6',
    },
    {
      name: "a control character",
      pattern: "a\tb",
      error: 'parse "https://a\\tb": net/url: invalid control character in URL',
    },
    {
      name: "a bad escape in the fragment quotes the whole URL",
      pattern: "a#%zz",
      error: 'parse "https://a#%zz": invalid URL escape "%zz"',
    },
  ])("$name: $pattern", ({ pattern, error }) => {
    const parsed = parseSchemeless(pattern);
    expect("error" in parsed ? parsed.error : undefined).toBe(error);
  });
});

describe("what the kubelet compares after parsing (SplitURL)", () => {
  it.each([
    {
      text: "docker.io/library/busybox",
      labels: ["docker", "io"],
      port: "",
      path: "/library/busybox",
    },
    { text: "registry.local:5000/app", labels: ["registry", "local"], port: "5000", path: "/app" },
    { text: "u:p@ghcr.io/x", labels: ["ghcr", "io"], port: "", path: "/x" },
    { text: "ghcr.io/a%2Fb", labels: ["ghcr", "io"], port: "", path: "/a/b" },
    { text: "ghcr.io/x?tag#frag", labels: ["ghcr", "io"], port: "", path: "/x" },
    { text: "[::1]:5000/x", labels: ["::1"], port: "5000", path: "/x" },
    { text: "[::1]/x", labels: ["[::1]"], port: "", path: "/x" },
    { text: "r%C3%A9gistry.io", labels: ["régistry", "io"], port: "", path: "" },
  ])("$text → $labels, port $port, path $path", ({ text, labels, port, path }) => {
    const parsed = parseSchemeless(text);
    if ("error" in parsed) throw new Error(parsed.error);
    expect(parsed.value.labels.map(goText)).toEqual(labels);
    expect(parsed.value.port).toBe(port);
    expect(goText(parsed.value.path)).toBe(path);
  });

  it("keeps invalid UTF-8 as bytes, so two different escapes never compare equal", () => {
    const a = parseSchemeless("x/%C3");
    const b = parseSchemeless("x/%C4");
    if ("error" in a || "error" in b) throw new Error("both parse in Go");
    expect(a.value.path).not.toBe(b.value.path);
  });
});

describe("unescaping an image the way the kubelet's url.Parse does", () => {
  it.each([
    { name: "a plain path", image: "a.io/b/c", path: "/b/c" },
    { name: "a percent-escape in the path", image: "a.io/b%41c", path: "/bAc" },
    { name: "an escaped UTF-8 sequence", image: "a.io/%C3%A9t%C3%A9", path: "/été" },
    { name: "non-ASCII text as is", image: "a.io/café/☕", path: "/café/☕" },
    { name: "escapes next to text", image: "a.io/x%2Fy%25z", path: "/x/y%z" },
  ])("unescapes $name", ({ image, path }) => {
    const parsed = parseSchemeless(image);
    expect("value" in parsed && goText(parsed.value.path)).toBe(path);
  });

  it.each([
    { name: "a truncated escape in the path", image: "a.io/b%4" },
    { name: "a non-hex escape", image: "a.io/b%zz" },
    { name: "an ASCII escape in the host", image: "a%41.io/b" },
    { name: "a space in the host", image: "a b.io/c" },
  ])("refuses $name, as Go does", ({ image }) => {
    expect(parseSchemeless(image)).toHaveProperty("error");
  });

  it("keeps %25 and non-ASCII escapes in a host", () => {
    const parsed = parseSchemeless("caf%C3%A9.io/x");
    expect("value" in parsed && parsed.value.host).toBe("café.io");
  });

  it("parses a megabyte-long name in one pass, not a character at a time", () => {
    const tail = "a%41".repeat(256 * 1024);
    const parsed = parseSchemeless(`docker.io/${tail}`);
    if ("error" in parsed) throw new Error(parsed.error);
    expect(parsed.value.path.length).toBe(1 + 512 * 1024);
    expect(parsed.value.path.startsWith("/aAaA")).toBe(true);
  });
});
