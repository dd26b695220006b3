import { PullkeyError } from "../errors.js";
import { effectiveKubeletCommandLine } from "../node/command-line.js";
import type { NodeFs } from "../node/fs.js";
import { describeOrigin } from "../node/origin.js";
import type { Layout } from "./layout.js";

/** Refuses when the planned files would not give the kubelet the two flags pullkey relies on. */
export async function checkFlagsLand(after: NodeFs, layout: Layout): Promise<void> {
  const line = await effectiveKubeletCommandLine(after, { flavour: layout.flavour });
  const rancher = line.rancher;
  const expect = [
    ["--image-credential-provider-config", layout.kubeletConfig, line.config],
    ["--image-credential-provider-bin-dir", layout.binDir, line.binDir],
  ] as const;
  for (const [flag, wanted, got] of expect) {
    if (got?.value === wanted) continue;
    const why = got
      ? `${flag}=${got.value} (from ${describeOrigin(got.origin)})`
      : rancher
        ? `no ${flag} (${rancher.flavour} passes it only while the config is a file and the bin dir a folder)`
        : `no ${flag}`;
    throw new PullkeyError(
      "USAGE",
      `after this install the kubelet's command line (${line.unit}) would have ${why}, not ${flag}=${wanted}; nothing was written`,
    );
  }
}
