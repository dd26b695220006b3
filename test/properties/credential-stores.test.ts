import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PullkeyError } from "../../provider/errors.js";
import { helperAnswer } from "../../provider/sources/docker-config/helper-answer.js";
import { helperFile } from "../../provider/sources/docker-config/helper-path.js";
import { chooseHelper, readCredentialStores } from "../../provider/sources/docker-config/stores.js";

// A docker config copied onto a node names programs pullkey will run as root. Whatever the file
// says, the program is docker-credential-<name> in a fixed folder: never a path, never an option.
const WHAT = "docker config /etc/pullkey/docker.json";
const name = fc.oneof(
  fc.string(),
  fc.constantFrom("pass", "../x", "/bin/sh", "a/b", "-rf", ".hidden", "pass --x", "x\ny", ""),
);
const doc = fc.record(
  {
    credsStore: fc.oneof(name, fc.integer(), fc.constant(null)),
    credHelpers: fc.oneof(fc.dictionary(fc.string(), fc.oneof(name, fc.integer())), fc.array(name)),
  },
  { requiredKeys: [] },
);

describe("credential helper names from a hostile docker config", () => {
  it("are plain file names or refused with SOURCE_FORMAT", () => {
    fc.assert(
      fc.property(doc, fc.oneof(fc.string(), fc.constant("docker.io")), (d, registry) => {
        let stores: ReturnType<typeof readCredentialStores>;
        try {
          stores = readCredentialStores(d as Record<string, unknown>, WHAT);
        } catch (err) {
          expect(err).toBeInstanceOf(PullkeyError);
          expect((err as PullkeyError).code).toBe("SOURCE_FORMAT");
          expect((err as PullkeyError).message).not.toMatch(/[\r\n]/);
          return;
        }
        const choice = chooseHelper(stores, registry);
        if (!choice) return;
        expect(helperFile(choice.name)).toMatch(/^docker-credential-[A-Za-z0-9][A-Za-z0-9._+-]*$/);
        expect(choice.name).not.toContain("/");
        expect(choice.name.startsWith("-")).toBe(false);
      }),
      { numRuns: 500 },
    );
  });
});

describe("whatever a helper prints", () => {
  const MARKER = "HELPER-SECRET-MARKER-5e1b";
  const output = fc.oneof(
    fc.string().map((t) => `${t}${MARKER}`),
    fc
      .record({ Username: fc.oneof(fc.string(), fc.integer()), Secret: fc.constant(MARKER) })
      .map((o) => JSON.stringify(o)),
    fc.constant(`{"Secret": "${MARKER}"`),
    fc.constant(`"${MARKER}"`),
  );
  it("is a credential, not-found, or a one-line PullkeyError that never quotes it", () => {
    const choice = { name: "x", via: 'credsStore "x"', serverURL: "ghcr.io" };
    fc.assert(
      fc.property(output, fc.integer({ min: 0, max: 255 }), (out, status) => {
        try {
          helperAnswer({ status, signal: null, stdout: Buffer.from(out) }, choice, WHAT);
        } catch (err) {
          expect(err).toBeInstanceOf(PullkeyError);
          expect((err as PullkeyError).message).not.toContain(MARKER);
          expect((err as PullkeyError).message).not.toMatch(/[\r\n]/);
        }
      }),
      { numRuns: 500 },
    );
  });
});
