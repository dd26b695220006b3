// The architectures pullkey ships for, and how this machine runs (and strips) a program built
// for each: natively on its own architecture, through Debian's qemu-user-static on the other.
// binfmt_misc is not assumed (containers and CI runners often lack it), so qemu is invoked
// explicitly with the arm64 C library from Debian's cross packages as its sysroot.
import { existsSync } from "node:fs";
import { delimiter, join } from "node:path";
import { arch as hostArch } from "node:process";
import { ensureDebianPackages } from "../peers/debian.mjs";

/** Release name (Go/OCI style) and the Debian tools each architecture needs off its own host. */
export const ARCHES = {
  x64: { release: "amd64", strip: "x86_64-linux-gnu-strip", qemu: "qemu-x86_64-static" },
  arm64: { release: "arm64", strip: "aarch64-linux-gnu-strip", qemu: "qemu-aarch64-static" },
};

// Where Debian's cross packages put each architecture's C and C++ runtime (qemu's -L sysroot).
const SYSROOT = { x64: "/usr/x86_64-linux-gnu", arm64: "/usr/aarch64-linux-gnu" };

// The Debian packages that let an amd64 host run and strip arm64 programs (and the reverse).
const FOREIGN_PACKAGES = {
  arm64: [
    { binary: "qemu-aarch64-static", pkg: "qemu-user-static" },
    { binary: "/usr/aarch64-linux-gnu/lib/libc.so.6", pkg: "libc6-arm64-cross" },
    { binary: "/usr/aarch64-linux-gnu/lib/libstdc++.so.6", pkg: "libstdc++6-arm64-cross" },
    { binary: "aarch64-linux-gnu-strip", pkg: "binutils-aarch64-linux-gnu" },
  ],
  x64: [
    { binary: "qemu-x86_64-static", pkg: "qemu-user-static" },
    { binary: "/usr/x86_64-linux-gnu/lib/libc.so.6", pkg: "libc6-amd64-cross" },
    { binary: "/usr/x86_64-linux-gnu/lib/libstdc++.so.6", pkg: "libstdc++6-amd64-cross" },
    { binary: "x86_64-linux-gnu-strip", pkg: "binutils-x86-64-linux-gnu" },
  ],
};

/** The architecture of the Node running this script, as `ARCHES` names it. */
export const HOST_ARCH = hostArch;

/** Checks that `arch` is one pullkey ships for; the error lists the ones it does. */
export function checkArch(arch) {
  if (!Object.hasOwn(ARCHES, arch)) {
    throw new Error(`unknown architecture "${arch}" (valid: ${Object.keys(ARCHES).join(", ")})`);
  }
}

/** Installs (once, as root, through apt) what running and stripping `arch` programs needs here. */
export async function ensureToolsFor(arch, why) {
  checkArch(arch);
  if (arch === HOST_ARCH) return;
  await ensureDebianPackages(FOREIGN_PACKAGES[arch], { why });
}

/**
 * Whether programs for `arch` can run here now, or the one-line reason they cannot: the tools are
 * missing and, not being root, this process cannot install them.
 */
export function canRun(arch) {
  checkArch(arch);
  if (arch === HOST_ARCH || process.getuid?.() === 0) return { ok: true };
  const missing = FOREIGN_PACKAGES[arch].filter((want) => !onDisk(want.binary));
  if (missing.length === 0) return { ok: true };
  const pkgs = [...new Set(missing.map((m) => m.pkg))].join(" ");
  return { ok: false, reason: `running ${arch} programs needs ${pkgs} (installing needs root)` };
}

function onDisk(binary) {
  if (binary.startsWith("/")) return existsSync(binary);
  return (process.env.PATH ?? "").split(delimiter).some((dir) => existsSync(join(dir, binary)));
}

/**
 * The command line that runs `program` built for `arch` on this machine: the program itself on
 * its own architecture, else qemu with the cross sysroot. Call ensureToolsFor(arch) first.
 */
export function commandFor(arch, program, args = []) {
  checkArch(arch);
  if (arch === HOST_ARCH) return { command: program, args };
  return { command: ARCHES[arch].qemu, args: ["-L", SYSROOT[arch], program, ...args] };
}

/** The strip that understands `arch` binaries (the host's own `strip` for the host's). */
export function stripFor(arch) {
  checkArch(arch);
  return arch === HOST_ARCH ? "strip" : ARCHES[arch].strip;
}
