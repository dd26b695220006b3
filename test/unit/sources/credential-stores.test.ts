import { describe, expect, it } from "vitest";
import * as z from "zod/mini";
import { PullkeyError } from "../../../provider/errors.js";
import { helperAnswer } from "../../../provider/sources/docker-config/helper-answer.js";
import type { HelperRun } from "../../../provider/sources/docker-config/helper-exec.js";
import { dockerConfigSpec } from "../../../provider/sources/docker-config/spec.js";
import {
  chooseHelper,
  DOCKER_HUB_SERVER,
  readCredentialStores,
  serverURLFor,
} from "../../../provider/sources/docker-config/stores.js";

const WHAT = "docker config /etc/pullkey/docker.json";
const SECRET = "helper-secret-that-must-not-leak";

function failure(run: () => unknown): PullkeyError {
  try {
    run();
  } catch (err) {
    if (err instanceof PullkeyError) return err;
    throw err;
  }
  throw new Error("expected a failure");
}

describe("the server URL docker writes to a helper", () => {
  it.each([
    { registry: "docker.io", url: DOCKER_HUB_SERVER, why: "Docker Hub images reach pullkey so" },
    { registry: "index.docker.io", url: DOCKER_HUB_SERVER, why: "a legacy Hub spelling" },
    {
      registry: "registry-1.docker.io",
      url: DOCKER_HUB_SERVER,
      why: "Hub's API host: same service (docker would ask for the bare host)",
    },
    { registry: "https://index.docker.io/v1/", url: DOCKER_HUB_SERVER, why: "already the URL" },
    { registry: "ghcr.io", url: "ghcr.io", why: "other registries are the bare host" },
    { registry: "registry.local:5000", url: "registry.local:5000", why: "the port is kept" },
    { registry: "quay.io/org", url: "quay.io", why: "helpers are per host" },
  ])("$registry → $url ($why)", ({ registry, url }) => {
    expect(serverURLFor(registry)).toBe(url);
  });
});

describe("which helper serves a registry (docker's precedence)", () => {
  const stores = {
    credsStore: "pass",
    credHelpers: {
      "ghcr.io": "gh",
      [DOCKER_HUB_SERVER]: "hub",
      "docker.io": "never",
      "https://quay.io": "never",
    },
  };
  it.each([
    { name: "credHelpers entry beats credsStore", registry: "ghcr.io", helper: "gh" },
    { name: "Docker Hub by its index URL", registry: "docker.io", helper: "hub" },
    { name: "credsStore for a registry without an entry", registry: "quay.io", helper: "pass" },
    { name: "credsStore for a port-qualified host", registry: "ghcr.io:443", helper: "pass" },
  ])("$name", ({ registry, helper }) => {
    expect(chooseHelper(stores, registry)?.name).toBe(helper);
  });

  it.each([
    {
      name: "no credsStore, no entry: the auths entries",
      stores: { credHelpers: { "a.io": "x" } },
    },
    { name: "an empty credsStore counts as none", stores: { credsStore: "", credHelpers: {} } },
  ])("$name", ({ stores: s }) => {
    expect(chooseHelper(s, "b.io")).toBeUndefined();
  });

  it("says which field chose the helper and what it is asked for", () => {
    expect(chooseHelper(stores, "docker.io")).toEqual({
      name: "hub",
      via: `credHelpers["${DOCKER_HUB_SERVER}"] "hub"`,
      serverURL: DOCKER_HUB_SERVER,
    });
  });
});

describe("reading credsStore and credHelpers", () => {
  it.each([
    {
      name: "a non-string credsStore",
      doc: { credsStore: 5 },
      says: '"credsStore" is not a string',
    },
    {
      name: "credHelpers as a list",
      doc: { credHelpers: [] },
      says: '"credHelpers" is not an object',
    },
    {
      name: "a non-string helper",
      doc: { credHelpers: { "a.io": 1 } },
      says: 'credHelpers["a.io"] is not a string',
    },
    {
      name: "a helper name that is a path",
      doc: { credsStore: "../../tmp/x" },
      says: '"credsStore" "../../tmp/x" is not a credential helper name',
    },
    {
      name: "a helper name with a space",
      doc: { credHelpers: { "a.io": "pass --evil" } },
      says: 'credHelpers["a.io"] "pass --evil" is not a credential helper name',
    },
  ])("refuses $name", ({ doc, says }) => {
    const err = failure(() => readCredentialStores(doc, WHAT));
    expect(err.code).toBe("SOURCE_FORMAT");
    expect(err.message).toContain(`${WHAT}: ${says}`);
  });
});

const run = (over: Partial<HelperRun>): HelperRun => ({
  status: 0,
  signal: null,
  stdout: Buffer.alloc(0),
  ...over,
});
const choice = { name: "pass", via: 'credsStore "pass"', serverURL: "ghcr.io" };
const json = (doc: unknown) => Buffer.from(JSON.stringify(doc));

describe("judging a helper's answer (the docker-credential-helpers protocol)", () => {
  it.each([
    {
      name: "username and secret",
      run: run({ stdout: json({ ServerURL: "ghcr.io", Username: "bob", Secret: SECRET }) }),
      answer: { credential: { username: "bob", password: SECRET } },
    },
    {
      name: "a token with an empty username",
      run: run({ stdout: json({ Username: "", Secret: SECRET }) }),
      answer: { credential: { username: "", password: SECRET } },
    },
    {
      name: "not found, as current helpers say it",
      run: run({ status: 1, stdout: Buffer.from("credentials not found in native keychain\n") }),
      answer: { notFound: true },
    },
    {
      name: "not found, as docker-credential-pass 0.6 says it (exit 0, empty fields)",
      run: run({ stdout: json({ ServerURL: "ghcr.io", Username: "", Secret: "" }) }),
      answer: { notFound: true },
    },
  ])("reads $name", ({ run: r, answer }) => {
    expect(helperAnswer(r, choice, WHAT)).toEqual(answer);
  });

  it.each([
    {
      name: "a failed start",
      run: run({ startError: { code: "EACCES" } }),
      code: "SOURCE_UNREADABLE",
      says: "cannot run docker-credential-pass",
    },
    {
      name: "the deadline",
      run: run({ status: null, aborted: true }),
      code: "DEADLINE_EXCEEDED",
      says: "before the exec's time budget ran out; it was killed",
    },
    {
      name: "too much output",
      run: run({ overflow: "stdout" }),
      code: "SOURCE_FORMAT",
      says: "printed more than 1 MiB on stdout",
    },
    {
      name: "exit 1 with other text",
      run: run({ status: 1, stdout: Buffer.from(`oops ${SECRET}`) }),
      code: "SOURCE_UNAVAILABLE",
      says: "failed with exit status 1",
    },
    {
      name: "a signal",
      run: run({ status: null, signal: "SIGSEGV" }),
      code: "SOURCE_UNAVAILABLE",
      says: "was killed by SIGSEGV",
    },
    {
      name: "text that is not JSON",
      run: run({ stdout: Buffer.from(`user:${SECRET}`) }),
      code: "SOURCE_FORMAT",
      says: "not the credential helper JSON",
    },
    {
      name: "a Secret that is not a string",
      run: run({ stdout: json({ Username: "u", Secret: 5 }) }),
      code: "SOURCE_FORMAT",
      says: "not the credential helper JSON",
    },
    {
      name: "an identity token",
      run: run({ stdout: json({ Username: "<token>", Secret: SECRET }) }),
      code: "SOURCE_FORMAT",
      says: "holds only an identity token",
    },
  ])(
    "fails on $name with $code, naming helper, registry and file but no output",
    ({ run: r, code, says }) => {
      const err = failure(() => helperAnswer(r, choice, WHAT));
      expect(err.code).toBe(code);
      expect(err.message).toContain(says);
      expect(err.message).toContain(`docker-credential-pass (credsStore "pass" in ${WHAT})`);
      expect(err.message).toContain('"ghcr.io"');
      expect(err.message).not.toContain(SECRET);
    },
  );
});

describe("the dockerConfig source's helper settings", () => {
  const spec = (extra: Record<string, unknown>) =>
    dockerConfigSpec(z).safeParse({ type: "dockerConfig", path: "d.json", ...extra });
  it.each([
    {
      name: "an absolute credentialHelperDir",
      extra: { credentialHelperDir: "/opt/bin" },
      ok: true,
    },
    { name: "a relative credentialHelperDir", extra: { credentialHelperDir: "bin" }, ok: false },
    {
      name: "credentialHelperEnv with variable names",
      extra: { credentialHelperEnv: { PASSWORD_STORE_DIR: "/root/.password-store" } },
      ok: true,
    },
    {
      name: "a credentialHelperEnv name with =",
      extra: { credentialHelperEnv: { "A=B": "x" } },
      ok: false,
    },
    {
      name: "a non-string credentialHelperEnv value",
      extra: { credentialHelperEnv: { A: 1 } },
      ok: false,
    },
  ])("$name: accepted $ok", ({ extra, ok }) => {
    expect(spec(extra).success).toBe(ok);
  });
});
