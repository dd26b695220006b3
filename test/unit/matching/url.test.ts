import { describe, expect, it } from "vitest";
import { parseSchemeless } from "../../../provider/matching/url.js";

describe("parsing an image the way the kubelet's url.Parse does", () => {
  it.each([
    { name: "a plain path", image: "a.io/b/c", path: "/b/c" },
    { name: "a percent-escape in the path", image: "a.io/b%41c", path: "/bAc" },
    { name: "an escaped UTF-8 sequence", image: "a.io/%C3%A9t%C3%A9", path: "/été" },
    { name: "non-ASCII text as is", image: "a.io/café/☕", path: "/café/☕" },
    { name: "escapes next to text", image: "a.io/x%2Fy%25z", path: "/x/y%z" },
  ])("unescapes $name", ({ image, path }) => {
    expect(parseSchemeless(image)?.path).toBe(path);
  });

  it.each([
    { name: "a truncated escape in the path", image: "a.io/b%4" },
    { name: "a non-hex escape", image: "a.io/b%zz" },
    { name: "an ASCII escape in the host", image: "a%41.io/b" },
    { name: "a space in the host", image: "a b.io/c" },
  ])("refuses $name, as Go does", ({ image }) => {
    expect(parseSchemeless(image)).toBeUndefined();
  });

  it("keeps %25 and non-ASCII escapes in a host", () => {
    expect(parseSchemeless("caf%C3%A9.io/x")?.host).toBe("café.io");
  });

  it("parses a megabyte-long name in one pass, not a character at a time", () => {
    const tail = "a%41".repeat(256 * 1024);
    const parsed = parseSchemeless(`docker.io/${tail}`);
    expect(parsed?.path.length).toBe(1 + 512 * 1024);
    expect(parsed?.path.startsWith("/aAaA")).toBe(true);
  });
});
