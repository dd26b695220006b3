/** An architecture pullkey ships for, as Node names it. */
export type Arch = "x64" | "arm64";

/** Release name (amd64/arm64) and the Debian tools each architecture needs off its own host. */
export const ARCHES: Record<Arch, { release: string; strip: string; qemu: string }>;

/** The architecture of the Node running this script. */
export const HOST_ARCH: string;

/** Checks that `arch` is one pullkey ships for. */
export function checkArch(arch: string): asserts arch is Arch;

/** Installs (once, as root, through apt) what running and stripping `arch` programs needs. */
export function ensureToolsFor(arch: Arch, why: string): Promise<void>;

/** Whether programs for `arch` can run here now, or why not (tools missing, not root to add them). */
export function canRun(arch: Arch): { ok: true } | { ok: false; reason: string };

/** The command line that runs `program` built for `arch` on this machine. */
export function commandFor(
  arch: Arch,
  program: string,
  args?: readonly string[],
): { command: string; args: string[] };

/** The strip that understands `arch` binaries. */
export function stripFor(arch: Arch): string;
