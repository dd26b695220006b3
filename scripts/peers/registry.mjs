// The CNCF distribution registry the conformance harness, the doctor and the node tier pull
// from: Debian's docker-registry package (distribution v2.8), installed on first use. Each test
// starts its own instance on 127.0.0.1 with a generated config, so the package's service must
// never start (debian.mjs keeps it from starting).
import { ensureDebianPackages } from "./debian.mjs";

/** Where the docker-registry package puts the registry binary. */
export const REGISTRY_BIN = "/usr/bin/docker-registry";

/** Returns the registry binary, installing the docker-registry package when it is missing. */
export async function ensureRegistry({ log } = {}) {
  await ensureDebianPackages([{ binary: REGISTRY_BIN, pkg: "docker-registry" }], {
    why: "the registry the tests pull from",
    ...(log ? { log } : {}),
  });
  return REGISTRY_BIN;
}
