// Helm, for the chart tests (test/chart/chart.test.ts: `helm lint`, `helm template`). Built
// from the Go module proxy with `go install helm.sh/helm/v3/cmd/helm@<version>`, which uses
// Helm's own go.mod, so the binary is the one its release would be. It is cached outside the
// clone keyed by version; the folder is renamed into place when complete (buildInto).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { peerCacheRoot } from "./conformance.mjs";
import { buildInto } from "./publish.mjs";
import { run } from "./run.mjs";

/** The pinned Helm release. */
export const HELM_VERSION = "v3.22.0";

/** Where this Helm version's binary lives once built. */
export function helmBinaryPath(version = HELM_VERSION) {
  return join(peerCacheRoot(), `helm-${version}`, "helm");
}

/** Returns the `helm` binary, building it with Go on first use (a few minutes, niced). */
export async function ensureHelm({ version = HELM_VERSION } = {}) {
  const binary = helmBinaryPath(version);
  if (existsSync(binary)) return binary;
  return buildInto({
    dir: join(binary, ".."),
    binary,
    what: `helm ${version} (helm.sh/helm/v3/cmd/helm) with Go; takes a few minutes`,
    build: async (tmp) => {
      const ldflags = await releaseLdflags(version);
      const result = await run(
        "nice",
        [
          "-n",
          "19",
          "go",
          "install",
          "-trimpath",
          `-ldflags=${ldflags}`,
          `helm.sh/helm/v3/cmd/helm@${version}`,
        ],
        { cwd: tmp, env: { ...process.env, GOBIN: tmp, CGO_ENABLED: "0", GOFLAGS: "" } },
      );
      if (result.status !== 0) {
        throw new Error(`go install helm@${version} exited ${result.status}:\n${result.output}`);
      }
      const check = await run(join(tmp, "helm"), ["version", "--short"]);
      if (check.status !== 0 || !check.output.startsWith(version)) {
        throw new Error(`helm version did not report ${version}:\n${check.output}`);
      }
    },
  });
}

/**
 * What Helm's Makefile stamps into a release: its version (else `helm version` says v3.x-dev) and
 * the Kubernetes version `helm template` and `helm lint` assume (else 1.20, which a chart's
 * kubeVersion >=1.26 refuses). The Makefile takes the latter from the client-go version in
 * Helm's go.mod (v0.37.0 means Kubernetes 1.37); so does this.
 */
async function releaseLdflags(version) {
  const download = await run("go", ["mod", "download", "-json", `helm.sh/helm/v3@${version}`]);
  const goMod = download.status === 0 ? JSON.parse(download.output).GoMod : undefined;
  const clientGo = goMod && /^\s*k8s\.io\/client-go v0\.(\d+)\./m.exec(readFileSync(goMod, "utf8"));
  if (!clientGo)
    throw new Error(`no client-go version in helm ${version}'s go.mod:\n${download.output}`);
  const stamp = (pkg, name, value) => `-X helm.sh/helm/v3/${pkg}.${name}=${value}`;
  return [
    "-s -w",
    stamp("internal/version", "version", version),
    ...["pkg/lint/rules", "pkg/chartutil"].flatMap((pkg) => [
      stamp(pkg, "k8sVersionMajor", "1"),
      stamp(pkg, "k8sVersionMinor", clientGo[1]),
    ]),
  ].join(" ");
}

// `node scripts/peers/helm.mjs` builds (or finds) the binary and prints its path.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(`${await ensureHelm()}\n`);
}
