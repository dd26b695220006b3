import { chmodSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PullkeyError } from "../../../provider/errors.js";
import { runHelperGet } from "../../../provider/sources/docker-config/helper-exec.js";
import { dockerConfigSource } from "../../../provider/sources/docker-config/source.js";
import { DOCKER_HUB_SERVER } from "../../../provider/sources/docker-config/stores.js";
import { createPassStore, type PassStore } from "./pass-store.js";

// The real helper from Debian answers every protocol question; tiny scripts stand in only for
// faults a real helper cannot be made to produce (hanging, flooding, failing with garbage).
const HUB_SECRET = "hub-pass-store-SECRET-1";
const TEAM_SECRET = "team-pass-store-SECRET-2";
let pass: PassStore;
let dir: string;
let fakes: string;

function fake(name: string, script: string): void {
  const path = join(fakes, `docker-credential-${name}`);
  writeFileSync(path, `#!/bin/sh\n${script}\n`, { mode: 0o755 });
}

function source(
  doc: unknown,
  extra: { credentialHelperDir?: string; credentialHelperEnv?: Record<string, string> } = {},
  env: Record<string, string | undefined> = { ...process.env, ...pass.env },
) {
  const file = join(dir, `docker-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(doc), { mode: 0o600 });
  return dockerConfigSource(
    { type: "dockerConfig", path: file, ...extra },
    {
      baseDir: dir,
      readFile: (p) => readFile(p),
      env,
      now: () => new Date(),
      stateDir: join(dir, "state"),
    },
  );
}

async function fetchFor(registry: string, src: ReturnType<typeof source>, timeoutMs = 10_000) {
  return src.fetch({ image: `${registry}/app`, registry, signal: AbortSignal.timeout(timeoutMs) });
}

async function failure(work: Promise<unknown>): Promise<PullkeyError> {
  try {
    await work;
  } catch (err) {
    if (err instanceof PullkeyError) return err;
    throw err;
  }
  throw new Error("expected a failure");
}

/** True once a pid is gone or a zombie (a killed orphan may wait for a reaper that never comes). */
function gone(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.startsWith("Z") ?? true;
  } catch {
    return true;
  }
}

beforeAll(() => {
  pass = createPassStore();
  pass.store(DOCKER_HUB_SERVER, "hub-user", HUB_SECRET);
  pass.store("registry.test:5000", "team-robot", TEAM_SECRET);
  dir = mkdtempSync(join(tmpdir(), "pullkey-helpers-"));
  fakes = mkdtempSync(join(tmpdir(), "pullkey-fake-helpers-"));
  symlinkSync("/usr/bin/docker-credential-pass", join(fakes, "docker-credential-pass"));
  fake("echo-url", `cat > "${fakes}/echo-url.stdin"; printf '{"Username":"%s","Secret":"s"}' "$1"`);
  fake("hang", `sleep 300 & echo $! > "${fakes}/hang.pids"; echo $$ >> "${fakes}/hang.pids"; wait`);
  fake("flood", "head -c 10000000 /dev/zero; sleep 300");
  fake("garbage", `echo "not json ${HUB_SECRET}"; echo "${TEAM_SECRET}" >&2; exit 1`);
  fake("noisy", `echo "${HUB_SECRET}" >&2; printf '{"Username":"u","Secret":"ok"}'`);
}, 60_000);

afterAll(() => {
  pass?.close();
  rmSync(dir, { recursive: true, force: true });
  rmSync(fakes, { recursive: true, force: true });
});

describe("a docker config served by docker-credential-pass", () => {
  const config = { auths: { [DOCKER_HUB_SERVER]: {} }, credsStore: "pass" };

  it("serves Docker Hub images with what docker login stored for the index URL", async () => {
    expect(await fetchFor("docker.io", source(config))).toEqual({
      username: "hub-user",
      password: HUB_SECRET,
    });
  });

  it("serves another registry by its host and port", async () => {
    expect(await fetchFor("registry.test:5000", source(config))).toEqual({
      username: "team-robot",
      password: TEAM_SECRET,
    });
  });

  it("says SOURCE_NO_ENTRY, naming helper and registry, when the store has nothing for it", async () => {
    const err = await failure(fetchFor("ghcr.io", source(config)));
    expect(err.code).toBe("SOURCE_NO_ENTRY");
    expect(err.message).toContain(
      'credsStore "pass" (/usr/bin/docker-credential-pass) has no credentials for "ghcr.io"',
    );
  });

  it("asks a credHelpers entry before credsStore, and writes the bare server URL on stdin", async () => {
    const doc = { credsStore: "pass", credHelpers: { "ghcr.io": "echo-url" } };
    const src = source(doc, { credentialHelperDir: fakes });
    expect(await fetchFor("ghcr.io", src)).toEqual({ username: "get", password: "s" });
    expect(readFileSync(join(fakes, "echo-url.stdin"), "utf8")).toBe("ghcr.io");
    expect(await fetchFor("registry.test:5000", src)).toMatchObject({ username: "team-robot" });
  });

  it("gives the helper the source's credentialHelperEnv over pullkey's own environment", async () => {
    const bare = { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin" };
    const wrong = { ...bare, PASSWORD_STORE_DIR: join(dir, "no-store") };
    const src = source(config, { credentialHelperEnv: pass.env }, wrong);
    expect(await fetchFor("docker.io", src)).toMatchObject({ password: HUB_SECRET });
    // Without it, pass looks in an empty store: docker-credential-pass 0.6 says "not found".
    const err = await failure(fetchFor("docker.io", source(config, {}, wrong)));
    expect(err.code).toBe("SOURCE_NO_ENTRY");
  });

  it("uses an inline auths entry only when no helper applies, as docker does", async () => {
    const doc = {
      auths: { "ghcr.io": { auth: Buffer.from("inline:pw").toString("base64") } },
      credHelpers: { "registry.test:5000": "pass" },
    };
    expect(await fetchFor("ghcr.io", source(doc))).toEqual({ username: "inline", password: "pw" });
    expect(await fetchFor("registry.test:5000", source(doc))).toMatchObject({
      username: "team-robot",
    });
  });
});

describe("helpers that are missing or cannot be trusted", () => {
  it("names the helper, the folders searched and what to do when it is not installed", async () => {
    const err = await failure(fetchFor("docker.io", source({ credsStore: "desktop" })));
    expect(err.code).toBe("SOURCE_UNREADABLE");
    expect(err.message).toContain(
      'credsStore "desktop" needs docker-credential-desktop, which is not in /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin; docker-credential-desktop is the keychain of the machine that ran docker login',
    );
  });

  it("looks only in credentialHelperDir when it is set", async () => {
    const empty = mkdtempSync(join(tmpdir(), "pullkey-no-helpers-"));
    try {
      const err = await failure(
        fetchFor("docker.io", source({ credsStore: "pass" }, { credentialHelperDir: empty })),
      );
      expect(err.message).toContain(
        `which is not in ${empty}; install it (Debian/Ubuntu: golang-docker-credential-helpers)`,
      );
    } finally {
      rmSync(empty, { recursive: true });
    }
  });

  it("refuses a helper that group or others could replace, since it runs as root", async () => {
    fake("shared", "exit 0");
    chmodSync(join(fakes, "docker-credential-shared"), 0o775);
    const err = await failure(
      fetchFor("docker.io", source({ credsStore: "shared" }, { credentialHelperDir: fakes })),
    );
    expect(err.code).toBe("SOURCE_UNREADABLE");
    expect(err.message).toContain(`${join(fakes, "docker-credential-shared")} is not trusted (`);
    expect(err.message).toContain("is writable by group or others; pullkey runs it as root)");
  });
});

describe("helper faults stay inside the exec's budget and never show the helper's output", () => {
  it("kills a hanging helper and everything it started when the deadline fires", async () => {
    const started = Date.now();
    const err = await failure(
      fetchFor("docker.io", source({ credsStore: "hang" }, { credentialHelperDir: fakes }), 500),
    );
    expect(err.code).toBe("DEADLINE_EXCEEDED");
    expect(Date.now() - started).toBeLessThan(3_000);
    const pids = readFileSync(join(fakes, "hang.pids"), "utf8").trim().split("\n").map(Number);
    expect(pids).toHaveLength(2);
    await new Promise((r) => setTimeout(r, 100));
    expect(pids.filter((pid) => !gone(pid))).toEqual([]);
  });

  it("stops reading a helper that prints 10 MB and kills it", async () => {
    const started = Date.now();
    const err = await failure(
      fetchFor("docker.io", source({ credsStore: "flood" }, { credentialHelperDir: fakes })),
    );
    expect(err.code).toBe("SOURCE_FORMAT");
    expect(err.message).toContain("printed more than 1 MiB on stdout");
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it("reports a helper exiting 1 with garbage without quoting a byte of it", async () => {
    const err = await failure(
      fetchFor("docker.io", source({ credsStore: "garbage" }, { credentialHelperDir: fakes })),
    );
    expect(err.code).toBe("SOURCE_UNAVAILABLE");
    expect(err.message).toContain(
      `docker-credential-garbage (credsStore "garbage" in docker config ${dir}`,
    );
    expect(err.message).toContain(`failed with exit status 1 for "${DOCKER_HUB_SERVER}"`);
    expect(err.message).not.toContain(HUB_SECRET);
    expect(err.message).not.toContain(TEAM_SECRET);
  });

  it("drops a helper's stderr, even when the answer is good", async () => {
    const run = await runHelperGet(join(fakes, "docker-credential-noisy"), "x", {
      env: {},
      signal: AbortSignal.timeout(5_000),
    });
    expect(run).toEqual({
      status: 0,
      signal: null,
      stdout: Buffer.from('{"Username":"u","Secret":"ok"}'),
    });
  });
});
