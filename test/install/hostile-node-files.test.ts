import { execFileSync } from "node:child_process";
import { rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ARTIFACTS, exec } from "../e2e/artifacts.js";
import { copyRoot, DOCKER_CONFIG, FAKE_EXECUTABLE, removeRoots } from "./harness.js";

// install and doctor read the node's units and env files under --root. Planted in their place,
// a FIFO (no writer: a plain read blocks forever) or /dev/zero (endless) must end in one clear
// line naming the file, not a hang or a process growing without bound; so must a huge file.

afterAll(() => removeRoots());
const pullkey = ARTIFACTS[1].path;

const plants: { name: string; plant: (path: string) => void; says: string }[] = [
  {
    name: "a FIFO",
    plant: (path) => execFileSync("mkfifo", [path]),
    says: "not a regular file (a FIFO, device or socket)",
  },
  {
    name: "/dev/zero",
    plant: (path) => symlinkSync("/dev/zero", path),
    says: "not a regular file (a FIFO, device or socket)",
  },
  {
    name: "a 2 MiB file",
    plant: (path) => writeFileSync(path, Buffer.alloc(2 * 1024 * 1024, "#")),
    says: "larger than 1 MiB, the most pullkey reads from a file",
  },
];

const places = [
  { file: "the kubelet's env file", path: "/etc/default/kubelet" },
  { file: "the kubelet's unit", path: "/usr/lib/systemd/system/kubelet.service" },
];

// A unit that is not a regular file is taken as masked (systemd's reading), also a clear line.
const says = (path: string, plant: { name: string; says: string }) =>
  path.endsWith(".service") && plant.name !== "a 2 MiB file"
    ? `${path} is not a unit file`
    : `cannot read ${path}: ${plant.says}`;

const cases = places.flatMap((place) =>
  plants.map((plant) => ({ ...place, ...plant, says: says(place.path, plant) })),
);

function plantedRoot(path: string, plant: (host: string) => void): string {
  const root = copyRoot("kubeadm");
  const host = join(root, path);
  rmSync(host, { force: true });
  plant(host);
  return root;
}

describe("a hostile file where a node file should be", () => {
  it.each(cases)("install --dry-run refuses $name as $file, naming it", ({ path, plant, says }) => {
    const root = plantedRoot(path, plant);
    const args = ["install", "--dry-run", "--root", root, "--executable", FAKE_EXECUTABLE];
    args.push("--docker-config", DOCKER_CONFIG, "--kubelet-version", "1.33");
    const result = exec(pullkey, args, "");
    expect(result.status).not.toBe(0);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/^pullkey: [A-Z_]+: [^\n]+\n$/);
    expect(result.stderr).toContain(says);
  });

  it.each(cases)("doctor reports $name as $file and exits", ({ path, plant, says }) => {
    const root = plantedRoot(path, plant);
    const result = exec(pullkey, ["doctor", "--root", root], "");
    expect(result.status).toBe(1);
    expect(result.stdout).toContain(says);
  });
});
