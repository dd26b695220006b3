import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  symlinkSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  forgetStateDirVerdicts,
  privateFolder,
  verifyStateDir,
} from "../../../provider/state/folder.js";
import { AS_ROOT, NEEDS_ROOT } from "../../root.js";

const UID = process.getuid?.() ?? 0;
let root: string;

beforeEach(() => {
  forgetStateDirVerdicts();
  // mkdtemp makes a 0700 folder of ours inside the sticky, world-writable /tmp.
  root = mkdtempSync(join(tmpdir(), "pullkey-folder-"));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

interface Case {
  name: string;
  /** Builds the folders under `root`; returns the stateDir to check. */
  arrange(root: string): string;
  /** undefined: accepted; else a fragment of the reason. */
  refused?: string;
  root?: boolean;
}

const mkdir = (path: string, mode = 0o700) => {
  mkdirSync(path, { recursive: true });
  chmodSync(path, mode);
  return path;
};

const CASES: Case[] = [
  { name: "a 0700 folder of ours under a sticky /tmp", arrange: (r) => mkdir(join(r, "state")) },
  {
    name: "a 0755 folder of ours (others may read, not write)",
    arrange: (r) => mkdir(join(r, "state"), 0o755),
  },
  {
    name: "stateDir itself writable by others",
    arrange: (r) => mkdir(join(r, "state"), 0o777),
    refused: "state is writable by group or other (mode 777)",
  },
  {
    name: "stateDir itself sticky and world-writable, like /tmp",
    arrange: (r) => mkdir(join(r, "state"), 0o1777),
    refused: "writable by group or other (mode 1777)",
  },
  {
    name: "a folder on the way writable by others without the sticky bit",
    arrange: (r) => {
      mkdir(join(r, "open"), 0o777);
      return mkdir(join(r, "open", "state"));
    },
    refused: "open is writable by group or other",
  },
  {
    name: "a sticky world-writable folder on the way",
    arrange: (r) => {
      mkdir(join(r, "shared"), 0o1777);
      return mkdir(join(r, "shared", "state"));
    },
  },
  {
    name: "a symlink to a trusted folder, in a trusted folder",
    arrange: (r) => {
      mkdir(join(r, "real"));
      symlinkSync(join(r, "real"), join(r, "link"));
      return join(r, "link");
    },
  },
  {
    name: "a symlink to a folder writable by others",
    arrange: (r) => {
      mkdir(join(r, "open"), 0o777);
      symlinkSync(join(r, "open"), join(r, "link"));
      return join(r, "link");
    },
    refused: "writable by group or other",
  },
  {
    name: "a folder owned by another user",
    root: true,
    arrange: (r) => {
      const dir = mkdir(join(r, "state"), 0o755);
      chownSync(dir, 65534, 65534);
      return dir;
    },
    refused: "is owned by uid 65534",
  },
  {
    name: "a symlink into a folder owned by another user",
    root: true,
    arrange: (r) => {
      const dir = mkdir(join(r, "theirs"), 0o755);
      chownSync(dir, 65534, 65534);
      symlinkSync(dir, join(r, "link"));
      return join(r, "link");
    },
    refused: "is owned by uid 65534",
  },
  {
    name: "a name under a sticky folder owned by another user",
    root: true,
    arrange: (r) => {
      mkdir(join(r, "shared"), 0o1777);
      const dir = mkdir(join(r, "shared", "state"));
      chownSync(dir, 65534, 65534);
      return dir;
    },
    refused: "owned by uid 65534 inside a folder anyone may write to",
  },
];

describe("verifying a stateDir before use", () => {
  it.for(CASES)("judges $name", async ({ arrange, refused, root: needsRoot }, { skip }) => {
    if (needsRoot && !AS_ROOT) skip(NEEDS_ROOT);
    const dir = arrange(root);
    const verdict = await verifyStateDir(dir, UID, false);
    if (refused === undefined) expect(verdict).toMatchObject({ ok: true });
    else expect(verdict).toMatchObject({ ok: false, problem: expect.stringContaining(refused) });
  });

  it("creates a missing stateDir 0700 inside a trusted parent", async () => {
    const dir = join(root, "a", "b", "state");
    expect(await verifyStateDir(dir, UID, true)).toMatchObject({ ok: true });
    expect(existsSync(dir)).toBe(true);
  });

  it("creates nothing inside a parent others may write to", async () => {
    mkdir(join(root, "open"), 0o777);
    const dir = join(root, "open", "state");
    expect(await verifyStateDir(dir, UID, true)).toMatchObject({ ok: false });
    expect(existsSync(dir)).toBe(false);
  });

  it("keeps a folder of secrets out of use while others can read it, and narrows it on a write", async () => {
    const state = mkdir(join(root, "state"));
    const tokens = mkdir(join(state, "vault-tokens"), 0o755);
    expect(await privateFolder(state, "vault-tokens", UID, false, true)).toMatchObject({
      ok: false,
      problem: expect.stringContaining("is readable by group or other (mode 755)"),
    });
    expect(await privateFolder(state, "vault-tokens", UID, true, true)).toMatchObject({ ok: true });
    expect(statSync(tokens).mode & 0o777).toBe(0o700);
  });

  it("refuses a private folder that is a symlink, even to a folder of ours", async () => {
    const state = mkdir(join(root, "state"));
    mkdir(join(root, "elsewhere"));
    symlinkSync(join(root, "elsewhere"), join(state, "cache"));
    expect(await privateFolder(state, "cache", UID, true)).toMatchObject({
      ok: false,
      problem: expect.stringContaining("is not a folder"),
    });
  });
});
