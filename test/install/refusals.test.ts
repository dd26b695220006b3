import { afterAll, describe, expect, it } from "vitest";
import { rootedFs } from "../../provider/node/fs.js";
import { copyRoot, INSTALL, pullkey, removeRoots, snapshot } from "./harness.js";
import { REFUSALS } from "./refusal-cases.js";

afterAll(removeRoots);

describe("the installer stops before writing anything", () => {
  it.each(REFUSALS)("on $name", async (refusal) => {
    const root = copyRoot(refusal.root || undefined);
    refusal.setup?.(root);
    const before = snapshot(root);
    const result = await pullkey("install", root, refusal.args);
    expect(result.stderr).toBe(`${refusal.error}\n`);
    expect(result.status).toBe(refusal.status);
    expect(result.stdout).toBe("");
    expect(snapshot(root)).toEqual(before);
  });
});

describe("unwritable places", () => {
  it("stops before the first write when a target folder is on a read-only filesystem", async () => {
    const root = copyRoot("kubeadm");
    const before = snapshot(root);
    const readOnlyEtc = (dir: string) => {
      const real = rootedFs(dir);
      return {
        ...real,
        writable: async (path: string) =>
          path.startsWith("/etc") ? "on a read-only filesystem" : undefined,
      };
    };
    const result = await pullkey("install", root, INSTALL, readOnlyEtc);
    expect(result.stderr).toBe(
      "pullkey: USAGE: cannot write /etc/pullkey/docker-config.json: /etc is on a read-only filesystem\n",
    );
    expect(snapshot(root)).toEqual(before);
  });
});

describe("an install cut short", () => {
  it("can still be uninstalled back to the original tree", async () => {
    const root = copyRoot("kubeadm");
    const before = snapshot(root);
    const failOnFlags = (dir: string) => {
      const real = rootedFs(dir);
      return {
        ...real,
        writeAtomic: async (path: string, bytes: Uint8Array, mode: number) => {
          if (path === "/etc/default/kubelet")
            throw Object.assign(new Error("no space left on device"), { code: "ENOSPC" });
          return real.writeAtomic(path, bytes, mode);
        },
      };
    };
    const failed = await pullkey("install", root, INSTALL, failOnFlags);
    expect(failed.status).toBe(1);
    expect(failed.stderr).toBe(
      "pullkey: INTERNAL: writing /etc/default/kubelet failed (ENOSPC); the files written so far are in /var/lib/pullkey/install/manifest.json, and pullkey uninstall takes them out\n",
    );
    const result = await pullkey("uninstall", root, []);
    expect(result.status).toBe(0);
    expect(snapshot(root)).toEqual(before);
  });
});
