// Debian's static busybox for each image architecture, the only userland of the installer
// image (scripts/release/image.mjs). apt-get downloads the pinned busybox-static .deb for the
// architecture with its own throwaway lists and cache, so the arm64 package comes without
// `dpkg --add-architecture` on the build machine; apt checks the .deb against the signed index.
// The extracted binary is cached beside the test peers, keyed by version, and renamed into
// place when complete.
import { existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { peerCacheRoot } from "../peers/conformance.mjs";
import { publishBuild, sweepAbandoned } from "../peers/publish.mjs";
import { run } from "../peers/run.mjs";

/** The pinned busybox-static release (Debian 12's), the same for every architecture. */
export const BUSYBOX_VERSION = "1:1.35.0-4+deb12u1+b1";

/** Image architectures, in OCI/Go/Debian names (scripts/sea/arch.mjs names them as Node does). */
export const IMAGE_ARCHES = ["amd64", "arm64"];

const log = (line) => process.stderr.write(`release: ${line}\n`);

/** Where the busybox binary for `arch` lives once downloaded. */
export function busyboxPath(arch, version = BUSYBOX_VERSION) {
  const folder = `busybox-static-${version.replace(/[^A-Za-z0-9.+-]/g, "_")}-${arch}`;
  return join(peerCacheRoot(), folder, "busybox");
}

/** Returns the static busybox for `arch`, downloading Debian's package on first use. */
export async function ensureBusybox(arch, version = BUSYBOX_VERSION) {
  if (!IMAGE_ARCHES.includes(arch)) throw new Error(`busybox: no image architecture ${arch}`);
  const binary = busyboxPath(arch, version);
  if (existsSync(binary)) return binary;
  const dir = join(binary, "..");
  const tmp = `${dir}.tmp-${process.pid}`;
  sweepAbandoned(dir);
  rmSync(tmp, { recursive: true, force: true });
  const apt = join(tmp, "apt");
  for (const sub of ["lists/partial", "cache/archives/partial", "deb"]) {
    mkdirSync(join(apt, sub), { recursive: true });
  }
  log(`downloading Debian's busybox-static ${version} for ${arch}`);
  try {
    const options = [
      `-o=Dir::State::Lists=${join(apt, "lists")}`,
      `-o=Dir::Cache=${join(apt, "cache")}`,
      "-o=APT::Architectures::=amd64",
      `-o=APT::Architectures::=${arch}`,
      // The download folder is ours, not readable by apt's _apt sandbox user.
      "-o=APT::Sandbox::User=root",
      "-q",
    ];
    await must("apt-get", [...options, "update"], {});
    await must("apt-get", [...options, "download", `busybox-static:${arch}=${version}`], {
      cwd: join(apt, "deb"),
    });
    const deb = readdirSync(join(apt, "deb")).find((f) => f.endsWith(`_${arch}.deb`));
    if (!deb) throw new Error(`apt-get download left no busybox-static .deb for ${arch}`);
    await must("dpkg-deb", ["-x", join(apt, "deb", deb), join(apt, "root")], {});
    await must("cp", [join(apt, "root", "bin", "busybox"), join(tmp, "busybox")], {});
    rmSync(apt, { recursive: true, force: true });
  } catch (error) {
    rmSync(tmp, { recursive: true, force: true });
    throw error;
  }
  publishBuild(tmp, dir, binary);
  return binary;
}

async function must(command, args, options) {
  const result = await run(command, args, options);
  if (result.status !== 0) {
    throw new Error(`${command} ${args.at(-1)} exited ${result.status}:\n${result.output}`);
  }
}

// `node scripts/release/busybox.mjs` downloads (or finds) both and prints their paths.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const arch of IMAGE_ARCHES) process.stdout.write(`${await ensureBusybox(arch)}\n`);
}
