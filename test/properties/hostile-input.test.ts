import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "../../provider/cli.js";
import { validateConfig } from "../../provider/config/validate.js";
import { PullkeyError } from "../../provider/errors.js";
import { normalizeImageName } from "../../provider/matching/image.js";
import { urlsMatch } from "../../provider/matching/match.js";
import { decodeRequest } from "../../provider/protocol/request.js";
import {
  dockerConfigCredential,
  parseDockerConfig,
} from "../../provider/sources/shapes/dockerconfigjson.js";
import { credentialFromFields } from "../../provider/sources/shapes/fields.js";

// Everything the kubelet, a config file or a backend hands us is treated as hostile: whatever
// arrives, pullkey answers or fails with a PullkeyError, and never quotes a secret back.
const MARKER = "SECRET-MARKER-93af";
const RUNS = { numRuns: 300 };

/** Runs `body`; any throw must be a PullkeyError whose message is one line without the marker. */
function answersOrFailsCleanly(body: () => unknown): void {
  try {
    body();
  } catch (err) {
    expect(err).toBeInstanceOf(PullkeyError);
    const message = (err as PullkeyError).message;
    expect(message).not.toMatch(/[\r\n]/);
    expect(message).not.toContain(MARKER);
  }
}

const V1 = "credentialprovider.kubelet.k8s.io/v1";
const validRequest = {
  kind: "CredentialProviderRequest",
  apiVersion: V1,
  image: "docker.io/library/busybox",
};
/** Valid requests with fields replaced, dropped or added, including a token carrying the marker. */
const mutatedRequest = fc
  .record({
    drop: fc.subarray(Object.keys(validRequest)),
    replace: fc.dictionary(
      fc.constantFrom(
        "kind",
        "apiVersion",
        "image",
        "serviceAccountToken",
        "serviceAccountAnnotations",
      ),
      fc.jsonValue(),
    ),
    token: fc.boolean(),
  })
  .map(({ drop, replace, token }) => {
    const doc: Record<string, unknown> = { ...validRequest, ...replace };
    for (const key of drop) delete doc[key];
    if (token) doc["serviceAccountToken"] = MARKER;
    return JSON.stringify(doc);
  });

describe("hostile requests", () => {
  it("decode or fail cleanly, whatever the bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) =>
        answersOrFailsCleanly(() => decodeRequest(bytes)),
      ),
      RUNS,
    );
  });

  it("decode or fail cleanly, whatever the JSON", () => {
    fc.assert(
      fc.property(fc.oneof(mutatedRequest, fc.json()), (text) =>
        answersOrFailsCleanly(() => decodeRequest(new TextEncoder().encode(text))),
      ),
      RUNS,
    );
  });
});

describe("hostile image names and patterns", () => {
  it("never make matching throw", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (pattern, image) => {
        expect(typeof urlsMatch(pattern, image)).toBe("boolean");
      }),
      RUNS,
    );
  });

  it("normalise or fail with a usage error", () => {
    fc.assert(
      fc.property(fc.string(), (ref) => answersOrFailsCleanly(() => normalizeImageName(ref))),
      RUNS,
    );
  });
});

describe("hostile secrets", () => {
  const secretish = fc.oneof(fc.constant(MARKER), fc.string());
  const entry = fc.record(
    {
      auth: fc.oneof(secretish, fc.constant(Buffer.from(`u:${MARKER}`).toString("base64"))),
      username: secretish,
      password: secretish,
      identitytoken: secretish,
    },
    { requiredKeys: [] },
  );

  it("docker configs decode or fail without quoting their content", () => {
    const doc = fc.oneof(
      fc.jsonValue(),
      fc.record({
        auths: fc.dictionary(
          fc.constantFrom("docker.io", "https://index.docker.io/v1/", "ghcr.io", MARKER),
          entry,
        ),
      }),
    );
    fc.assert(
      fc.property(doc, (value) =>
        answersOrFailsCleanly(() => {
          const what = "docker config /etc/pullkey/docker.json";
          dockerConfigCredential(
            parseDockerConfig(new TextEncoder().encode(JSON.stringify(value)), what),
            "docker.io",
            what,
          );
        }),
      ),
      RUNS,
    );
  });

  it("key/value secrets decode or fail without quoting their values", () => {
    const fields = fc.dictionary(
      fc.constantFrom("username", "password", "user", "token"),
      fc.oneof(fc.constant(MARKER), fc.jsonValue()),
    );
    fc.assert(
      fc.property(fields, (value) =>
        answersOrFailsCleanly(() =>
          credentialFromFields(value, { username: "username", password: "password" }, "secret x"),
        ),
      ),
      RUNS,
    );
  });
});

describe("hostile configs", () => {
  it("validate into a config or a list of errors, never a crash", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (doc) => {
        const result = validateConfig(doc, "/etc/pullkey/config.yaml");
        expect(result.config === undefined).toBe(result.errors.length > 0);
      }),
      RUNS,
    );
  });
});

describe("the plugin on hostile stdin", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "pullkey-props-"));
    writeFileSync(join(dir, "token"), `${MARKER}\n`);
    writeFileSync(
      join(dir, "config.yaml"),
      "apiVersion: pullkey/v1\nkind: PullkeyConfig\ncache: {enabled: false}\nunmatched: anonymous\nrules:\n  - name: hub\n    preset: dockerhub\n    source: {type: static, username: robot, passwordFile: token}\n",
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("answers with exactly one response document or fails with empty stdout and one stderr line", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(mutatedRequest, fc.json(), fc.string()), async (stdin) => {
        let stdout = "";
        let stderr = "";
        const status = await run({
          argv: ["--config", join(dir, "config.yaml")],
          env: {},
          cwd: dir,
          readStdin: () => new TextEncoder().encode(stdin),
          stdinIsTTY: false,
          stdout: (t) => {
            stdout += t;
          },
          stderr: (t) => {
            stderr += t;
          },
          readFile: (p) => readFile(p),
          fileMode: async () => 0o600,
          now: () => new Date("2026-11-27T12:00:00Z"),
          uid: process.getuid?.() ?? 0,
        });
        if (status === 0) {
          expect(stderr).toBe("");
          expect(stdout.endsWith("\n")).toBe(true);
          const response = JSON.parse(stdout);
          expect(Object.keys(response)).toEqual([
            "kind",
            "apiVersion",
            "cacheKeyType",
            "cacheDuration",
            "auth",
          ]);
          expect(response.apiVersion).toBe(JSON.parse(stdin).apiVersion);
        } else {
          expect(stdout).toBe("");
          expect(stderr.endsWith("\n")).toBe(true);
          expect(stderr.trimEnd()).not.toMatch(/[\r\n]/);
          expect(stderr).not.toContain(MARKER);
        }
      }),
      { numRuns: 150 },
    );
  });
});
