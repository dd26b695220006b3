import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { goText } from "../../../provider/gocompat/result.js";
import { parseSchemeless } from "../../../provider/gocompat/url.js";

// Go's url.Parse("https://" + pattern), the kubelet's ParseSchemelessURL. An error here is the
// kubelet refusing a matchImages entry (config validation) and skipping an auth key (keyring).
// The conformance harness checks the same rows against the kubelet's own ParseSchemelessURL.
const rows: { name: string; pattern: string; error: string | null; why: string }[] = JSON.parse(
  readFileSync(new URL("../../fixtures/gocompat/url-parse.json", import.meta.url), "utf8"),
);

describe("Go's url.Parse verdicts and error texts", () => {
  it.each(rows)("$name: $pattern ($why)", ({ pattern, error }) => {
    const parsed = parseSchemeless(pattern);
    expect("error" in parsed ? parsed.error : null).toBe(error);
  });

  it("refuses an IPv4 literal in brackets, in its own words", () => {
    expect(parseSchemeless("[10.0.0.1]")).toEqual({
      error: 'parse "https://[10.0.0.1]": invalid host: "10.0.0.1" is not IPv6',
    });
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
