import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PullkeyError } from "../../../provider/errors.js";
import { dockerConfigSource } from "../../../provider/sources/docker-config/source.js";
import type { SourceDeps } from "../../../provider/sources/source.js";
import { staticSource } from "../../../provider/sources/static/source.js";

const SECRET = "rotating-token-value-42";
let dir: string;
let deps: SourceDeps;
const context = {
  image: "docker.io/library/busybox",
  registry: "docker.io",
  signal: new AbortController().signal,
};

async function failure(run: () => Promise<unknown>): Promise<PullkeyError> {
  try {
    await run();
  } catch (err) {
    if (err instanceof PullkeyError) return err;
    throw err;
  }
  throw new Error("expected a failure");
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "pullkey-sources-"));
  deps = {
    baseDir: dir,
    readFile: (p) => readFile(p),
    env: {},
    now: () => new Date(),
    stateDir: join(dir, "state"),
  };
  writeFileSync(join(dir, "token"), `${SECRET}\n`);
  writeFileSync(join(dir, "crlf"), `${SECRET}\r\n`);
  writeFileSync(join(dir, "empty"), "\n");
  writeFileSync(join(dir, "two-lines"), `${SECRET}\nsecond\n`);
  mkdirSync(join(dir, "a-directory"));
  writeFileSync(
    join(dir, "docker.json"),
    JSON.stringify({
      auths: { "https://index.docker.io/v1/": { username: "hub", password: SECRET } },
    }),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the static source", () => {
  it.each([
    { file: "token", why: "a trailing newline is not part of the token" },
    { file: "crlf", why: "nor is a Windows line ending" },
  ])("reads the password file relative to the config folder ($why)", async ({ file }) => {
    const source = staticSource({ type: "static", username: "robot", passwordFile: file }, deps);
    await expect(source.fetch(context)).resolves.toEqual({ username: "robot", password: SECRET });
  });

  it("reads the file again on every fetch, so a rotated token is served at once", async () => {
    const file = join(dir, "rotating");
    const source = staticSource({ type: "static", username: "", passwordFile: file }, deps);
    writeFileSync(file, "first");
    expect((await source.fetch(context)).password).toBe("first");
    writeFileSync(file, "second");
    expect((await source.fetch(context)).password).toBe("second");
  });

  it.each([
    {
      name: "a missing file",
      file: "nope",
      code: "SOURCE_UNREADABLE",
      says: "cannot read password file",
      tail: "no such file",
    },
    {
      name: "a directory",
      file: "a-directory",
      code: "SOURCE_UNREADABLE",
      says: "cannot read password file",
      tail: "is a directory, not a file",
    },
    { name: "an empty file", file: "empty", code: "SOURCE_FORMAT", says: "is empty", tail: "" },
    {
      name: "a file of two lines",
      file: "two-lines",
      code: "SOURCE_FORMAT",
      says: "has more than one line",
      tail: "",
    },
  ])("fails clearly on $name", async ({ file, code, says, tail }) => {
    const source = staticSource({ type: "static", username: "u", passwordFile: file }, deps);
    const err = await failure(() => source.fetch(context));
    expect(err.code).toBe(code);
    expect(err.message).toContain(`${says}`);
    expect(err.message).toContain(join(dir, file));
    expect(err.message).toContain(tail);
    expect(err.message).not.toContain(SECRET);
  });
});

describe("the dockerConfig source", () => {
  it("answers with the entry for the image's registry", async () => {
    const source = dockerConfigSource({ type: "dockerConfig", path: "docker.json" }, deps);
    await expect(source.fetch(context)).resolves.toEqual({ username: "hub", password: SECRET });
    expect(source.description).toBe(`dockerConfig ${join(dir, "docker.json")}`);
  });

  it("uses the configured registry entry for a mirror host", async () => {
    const source = dockerConfigSource(
      { type: "dockerConfig", path: "docker.json", registry: "docker.io" },
      deps,
    );
    const mirror = { ...context, image: "mirror.local/library/busybox", registry: "mirror.local" };
    await expect(source.fetch(mirror)).resolves.toEqual({ username: "hub", password: SECRET });
  });

  it("names the registries it has when the image's registry is missing", async () => {
    const source = dockerConfigSource({ type: "dockerConfig", path: "docker.json" }, deps);
    const err = await failure(() =>
      source.fetch({ ...context, image: "ghcr.io/a/b", registry: "ghcr.io" }),
    );
    expect(err.code).toBe("SOURCE_NO_ENTRY");
    expect(err.message).toBe(
      `docker config ${join(dir, "docker.json")} has no auths entry for registry "ghcr.io" (it has "docker.io")`,
    );
  });

  it("fails clearly when the file is missing", async () => {
    const source = dockerConfigSource({ type: "dockerConfig", path: "missing.json" }, deps);
    const err = await failure(() => source.fetch(context));
    expect(err.code).toBe("SOURCE_UNREADABLE");
    expect(err.message).toBe(
      `cannot read docker config ${join(dir, "missing.json")}: no such file`,
    );
  });
});
