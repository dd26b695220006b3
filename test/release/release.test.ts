import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ARCHES, type Arch, HOST_ARCH } from "../../scripts/sea/arch.mjs";
import { copyRoot, DOCKER_CONFIG, DOCKER_SECRET, removeRoots } from "../install/harness.js";
import { headCommit, REPO, releaseCacheDir } from "./cache.js";

// npm run release, as an operator downloading it would check it. The release of HEAD is built
// once into a cache folder by test/release/setup.ts; the reproducibility test builds a second
// one, later, in another folder, with another umask and time zone, and compares the bytes.
const commit = headCommit();
const dir = releaseCacheDir(commit);
const pkg = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { version: string };
const lock = JSON.parse(readFileSync(join(REPO, "package-lock.json"), "utf8")) as {
  packages: Record<string, { version: string }>;
};
const commitEpoch = Number(
  execFileSync("git", ["log", "-1", "--format=%ct", commit], { cwd: REPO, encoding: "utf8" }),
);
const released = (name: string) => join(dir, name);
const base = (arch: string) => `pullkey-${pkg.version}-linux-${arch}`;
/** Every file and folder under `root` (the image's OCI layout folder included), sorted. */
const tree = (root: string): string[] =>
  (readdirSync(root, { recursive: true }) as string[])
    .filter((name) => !name.startsWith("run-linux-"))
    .sort();
/** The release's files directly in its folder, as SHA256SUMS lists them (and itself). */
const releaseFiles = () =>
  readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && !e.name.startsWith("run-linux-"))
    .map((e) => e.name)
    .sort();

describe("a release of one commit", () => {
  let second: string;
  beforeAll(() => {
    second = mkdtempSync(join(tmpdir(), "pullkey-release-again-"));
  });
  afterAll(() => {
    rmSync(second, { recursive: true, force: true });
    removeRoots();
  });

  it(
    "is the same bytes when built again in another folder, later, with another umask and time zone",
    () => {
      const out = join(second, "elsewhere", "out");
      const result = spawnSync(
        "sh",
        [
          "-c",
          'umask 077 && exec nice -n 10 "$0" scripts/release/main.mjs --out "$1" --ref "$2"',
          process.execPath,
          out,
          commit,
        ],
        {
          cwd: REPO,
          encoding: "utf8",
          env: { ...process.env, TZ: "Pacific/Chatham" },
          timeout: 20 * 60_000,
        },
      );
      expect(result.stderr).toContain("SHA256SUMS");
      expect(result.status).toBe(0);
      expect(tree(out)).toEqual(tree(dir));
      for (const name of tree(dir)) {
        const [here, there] = [statSync(join(dir, name)), statSync(join(out, name))];
        const same =
          here.mode === there.mode &&
          (here.isDirectory() ||
            readFileSync(join(out, name)).equals(readFileSync(join(dir, name))));
        expect({ name, same }).toEqual({ name, same: true });
      }
    },
    20 * 60_000,
  );

  it.each([
    { arch: "amd64", machine: 0x3e },
    { arch: "arm64", machine: 0xb7 },
  ])(
    "ships the $arch executable as a 64-bit Linux ELF program for that machine",
    ({ arch, machine }) => {
      const head = readFileSync(released(base(arch))).subarray(0, 20);
      expect(head.subarray(0, 4).toString("latin1")).toBe("\x7fELF");
      expect(head[4]).toBe(2); // ELFCLASS64
      expect(head.readUInt16LE(18)).toBe(machine); // e_machine: EM_X86_64 or EM_AARCH64
    },
  );

  it("lists every file in SHA256SUMS, and sha256sum -c accepts them all", () => {
    const sums = readFileSync(released("SHA256SUMS"), "utf8");
    const names = sums
      .trimEnd()
      .split("\n")
      .map((line) => line.split("  ")[1]);
    expect(names).toEqual(releaseFiles().filter((name) => name !== "SHA256SUMS"));
    const check = spawnSync("sha256sum", ["-c", "SHA256SUMS"], { cwd: dir, encoding: "utf8" });
    expect(check.stdout).toBe(names.map((name) => `${name}: OK\n`).join(""));
    expect(check.status).toBe(0);
  });

  it.each(["amd64", "arm64"])(
    "ships a %s tarball with the executable, install.sh, docs, license and examples, owned by root at the commit's time",
    (arch) => {
      const archive = readFileSync(released(`${base(arch)}.tar.gz`));
      // gzip header: no FNAME flag (byte 3), a zero modification time (bytes 4-7).
      expect(archive[3]).toBe(0);
      expect(archive.readUInt32LE(4)).toBe(0);
      const listing = execFileSync(
        "tar",
        ["--numeric-owner", "--full-time", "-tvzf", released(`${base(arch)}.tar.gz`)],
        {
          encoding: "utf8",
          env: { ...process.env, TZ: "UTC" },
        },
      );
      const time = new Date(commitEpoch * 1000).toISOString().replace("T", " ").slice(0, 19);
      const rows = listing
        .trimEnd()
        .split("\n")
        .map((line) => {
          const [mode, owner, , date, clock, path] = line.split(/\s+/);
          return { mode, owner, time: `${date} ${clock}`, path };
        });
      const examples = readdirSync(join(REPO, "config", "examples")).sort();
      const docs = readdirSync(join(REPO, "docs")).sort();
      expect(rows.map((r) => r.path)).toEqual(
        [
          "",
          "INSTALL.md",
          "LICENSE",
          "README.md",
          "config/",
          "config/examples/",
          ...examples.map((name) => `config/examples/${name}`),
          "docs/",
          ...docs.map((name) => `docs/${name}`),
          "install.sh",
          "pullkey",
        ].map((path) => `${base(arch)}/${path}`),
      );
      for (const row of rows) {
        expect(row.owner).toBe("0/0");
        expect(row.time).toBe(time);
        const executable = row.path?.endsWith("/pullkey") || row.path?.endsWith("/install.sh");
        expect(row.mode).toBe(
          row.path?.endsWith("/") ? "drwxr-xr-x" : executable ? "-rwxr-xr-x" : "-rw-r--r--",
        );
      }
      // The executable in the tarball is the one released beside it.
      const tar = gunzipSync(archive);
      expect(tar.includes(readFileSync(released(base(arch))).subarray(0, 1 << 20))).toBe(true);
    },
  );

  it("has an SBOM naming the embedded Node and the npm packages the bundle holds, at their locked versions", () => {
    const sbom = JSON.parse(readFileSync(released(`pullkey-${pkg.version}.cdx.json`), "utf8"));
    expect(sbom).toMatchObject({ bomFormat: "CycloneDX", specVersion: "1.6" });
    expect(sbom.metadata.timestamp).toBe(
      new Date(commitEpoch * 1000).toISOString().replace(".000Z", "Z"),
    );
    expect(sbom.metadata.component).toMatchObject({ name: "pullkey", version: pkg.version });
    const components = new Map<string, { version: string; purl: string; hashes?: unknown[] }>(
      sbom.components.map((c: { purl: string }) => [c.purl.replace(/@[^@]+$/, ""), c]),
    );
    const seaLock = JSON.parse(
      readFileSync(join(REPO, "scripts", "sea", "package-lock.json"), "utf8"),
    );
    for (const arch of ["x64", "arm64"]) {
      const node = components.get(`pkg:npm/node-linux-${arch}`);
      expect(node?.version).toBe(seaLock.packages[`node_modules/node-linux-${arch}`].version);
      expect(node?.hashes).toHaveLength(1);
    }
    // The direct dependencies the plugin bundles, each at the version package-lock.json installs.
    for (const name of ["zod", "yaml", "node-vault", "@aws-sdk/client-secrets-manager"]) {
      const purl = `pkg:npm/${name.replace("@", "%40")}`;
      expect({ name, version: components.get(purl)?.version }).toEqual({
        name,
        version: lock.packages[`node_modules/${name}`]?.version,
      });
    }
    // Build tools and what the build replaced with an empty module are not in the executable.
    for (const absent of ["esbuild", "vitest", "postject", "mime-db", "supports-color"]) {
      expect(components.has(`pkg:npm/${absent}`)).toBe(false);
    }
  });

  it("carries no path of the machine that built it", () => {
    const text = readFileSync(released(`pullkey-${pkg.version}.cdx.json`), "utf8");
    for (const name of tree(dir).filter((n) => statSync(released(n)).isFile())) {
      const bytes = readFileSync(released(name));
      for (const path of [REPO.replace(/\/$/, ""), "pullkey-release-src-", dir]) {
        expect({ name, path, found: bytes.includes(path) }).toEqual({ name, path, found: false });
      }
    }
    expect(text).not.toContain("node_modules/");
  });

  it("installs from the unpacked tarball of this machine's architecture, with no --executable: install.sh finds pullkey beside itself", () => {
    const arch = ARCHES[HOST_ARCH as Arch].release;
    const unpacked = join(second, "download");
    mkdirSync(unpacked, { recursive: true });
    execFileSync("tar", ["-xzf", released(`${base(arch)}.tar.gz`), "-C", unpacked]);
    const root = copyRoot("k3s");
    const result = spawnSync(
      "sh",
      [join(unpacked, base(arch), "install.sh"), "--root", root, "--docker-config", DOCKER_CONFIG],
      { encoding: "utf8", timeout: 60_000 },
    );
    expect(result.stdout + result.stderr).not.toContain(DOCKER_SECRET);
    expect(result.stderr).not.toMatch(/pullkey: [A-Z_]+:/);
    expect(result.status).toBe(0);
    const installed = join(root, "var/lib/rancher/credentialprovider/bin/pullkey");
    expect(readFileSync(installed).equals(readFileSync(released(base(arch))))).toBe(true);
  });
});
