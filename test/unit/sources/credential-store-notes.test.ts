import { describe, expect, it } from "vitest";
import type { HelperLookup } from "../../../provider/sources/docker-config/helper-path.js";
import { credentialStoreNotes } from "../../../provider/sources/docker-config/notes.js";
import { DOCKER_HUB_SERVER } from "../../../provider/sources/docker-config/stores.js";

const WHAT = "docker config /etc/pullkey/docker.json";

describe("notes on a docker config's credential stores", () => {
  const found = (path: string): HelperLookup => ({ found: true, path });
  const missing: HelperLookup = { found: false, dirs: ["/usr/bin"] };

  it.each([
    {
      name: "a helper that is installed",
      stores: { credsStore: "pass", credHelpers: {} },
      lookups: [["pass", found("/usr/bin/docker-credential-pass")]],
      notes: [
        {
          level: "info",
          message: `${WHAT}: credsStore "pass" runs /usr/bin/docker-credential-pass`,
        },
      ],
    },
    {
      name: "Docker Desktop's helper, which no node has",
      stores: { credsStore: "desktop", credHelpers: {} },
      lookups: [["desktop", missing]],
      notes: [
        {
          level: "error",
          message: `${WHAT}: credsStore "desktop" needs docker-credential-desktop, which is not in /usr/bin; docker-credential-desktop is the keychain of the machine that ran docker login and does not exist on a Linux node: keep the credential in the file: remove "credsStore"/"credHelpers" and add an auths entry with "auth" (what docker login writes with no credential store), or use the static source`,
        },
      ],
    },
    {
      name: "one helper named twice",
      stores: { credsStore: "pass", credHelpers: { "ghcr.io": "pass" } },
      lookups: [["pass", found("/usr/bin/docker-credential-pass")]],
      notes: [
        {
          level: "info",
          message: `${WHAT}: credHelpers["ghcr.io"], credsStore "pass" runs /usr/bin/docker-credential-pass`,
        },
      ],
    },
    {
      name: "a credHelpers key docker never looks up",
      stores: { credHelpers: { "docker.io": "hub" } },
      lookups: [["hub", found("/usr/bin/docker-credential-hub")]],
      notes: [
        {
          level: "warning",
          message: `${WHAT}: credHelpers["docker.io"] is never used: docker looks helpers up by "${DOCKER_HUB_SERVER}"`,
        },
      ],
    },
  ] as const)("$name", ({ stores, lookups, notes }) => {
    expect(credentialStoreNotes(stores, [], WHAT, new Map<string, HelperLookup>(lookups))).toEqual(
      notes,
    );
  });

  it("only warns about a missing helper for registries the rule never asks for", () => {
    const notes = credentialStoreNotes(
      { credHelpers: { "gcr.io": "gcloud", "ghcr.io": "gh" } },
      [],
      WHAT,
      new Map([
        ["gcloud", missing],
        ["gh", missing],
      ]),
      (url) => url === "ghcr.io",
    );
    expect(notes.map((n) => [n.level, n.message.slice(WHAT.length + 2, WHAT.length + 20)])).toEqual(
      [
        ["warning", 'credHelpers["gcr.i'],
        ["error", 'credHelpers["ghcr.'],
      ],
    );
  });

  it("ignores a helper named only by keys docker never looks up, beyond the warning", () => {
    const notes = credentialStoreNotes(
      { credHelpers: { "https://ghcr.io": "gh" } },
      [],
      WHAT,
      new Map([["gh", missing]]),
    );
    expect(notes).toEqual([
      {
        level: "warning",
        message: `${WHAT}: credHelpers["https://ghcr.io"] is never used: docker looks helpers up by "ghcr.io"`,
      },
    ]);
  });

  it("warns that inline credentials are ignored once a credsStore is set, as docker ignores them", () => {
    const notes = credentialStoreNotes(
      { credsStore: "pass", credHelpers: {} },
      ["ghcr.io"],
      WHAT,
      new Map([["pass", found("/usr/bin/docker-credential-pass")]]),
    );
    expect(notes[1]).toEqual({
      level: "warning",
      message: `${WHAT}: auths "ghcr.io" hold inline credentials that docker and pullkey never use, because credsStore "pass" answers for every registry without a credHelpers entry`,
    });
  });
});
