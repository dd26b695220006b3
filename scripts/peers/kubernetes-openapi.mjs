// The Kubernetes API's OpenAPI v3 documents, which the chart tests validate rendered manifests
// against (test/chart/openapi.ts). They ship in the k8s.io/kubernetes module under
// api/openapi-spec/v3, so `go mod download` fetches them from the Go module proxy into Go's
// module cache (shared with the conformance harness, which requires the same module), for the
// release the harness pins: manifests are checked against the Kubernetes the tests run.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { kubeletVersion } from "./node.mjs";
import { run } from "./run.mjs";

/** Returns the folder of the OpenAPI v3 documents, downloading the module on first use. */
export async function ensureKubernetesOpenApi({ version = kubeletVersion() } = {}) {
  const result = await run("go", ["mod", "download", "-json", `k8s.io/kubernetes@${version}`], {
    env: { ...process.env, GOFLAGS: "-mod=mod" },
  });
  let dir;
  try {
    dir = JSON.parse(result.output).Dir;
  } catch {
    dir = undefined;
  }
  if (result.status !== 0 || !dir) {
    throw new Error(`go mod download k8s.io/kubernetes@${version} failed:\n${result.output}`);
  }
  const spec = join(dir, "api", "openapi-spec", "v3");
  if (!existsSync(join(spec, "apis__apps__v1_openapi.json"))) {
    throw new Error(`k8s.io/kubernetes@${version} has no OpenAPI v3 documents in ${spec}`);
  }
  return spec;
}

// `node scripts/peers/kubernetes-openapi.mjs` prints the folder.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(`${await ensureKubernetesOpenApi()}\n`);
}
