// A CycloneDX SBOM (https://cyclonedx.org/docs/1.6/json/) of what the release executables
// contain: every npm package esbuild put into the executables' bundle (read from its metafiles, main bundle
// and lazy modules alike, so a package installed but never bundled is not listed) and the Node
// runtime embedded for each architecture. Everything in it follows from the build: the time is
// SOURCE_DATE_EPOCH and the serial number is derived from the commit.
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** The package folder of a bundled input path, e.g. "node_modules/@smithy/core" (nested too). */
export function packageFolder(input) {
  const match = /^(?:.*\/)?node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
  if (!match) return undefined;
  const at = input.lastIndexOf(`node_modules/${match[1]}/`);
  return input.slice(0, at + "node_modules/".length + match[1].length);
}

/** Every package folder that contributed bytes to the bundle, from dist/meta.json. */
export function bundledPackageFolders(meta) {
  const folders = new Set();
  for (const metafile of [meta.main, ...Object.values(meta.lazy)]) {
    for (const output of Object.values(metafile.outputs)) {
      for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
        const folder = packageFolder(input);
        if (folder && bytesInOutput > 0) folders.add(folder);
      }
    }
  }
  return [...folders];
}

const purl = (name, version) =>
  `pkg:npm/${name.startsWith("@") ? `%40${name.slice(1)}` : name}@${version}`;

/**
 * package.json's license as CycloneDX licenses: an SPDX expression, or the legacy list of
 * { type, url } (tv4 still uses it), kept as named licenses.
 */
const licenses = (license) => {
  if (typeof license === "string") return [{ expression: license }];
  if (Array.isArray(license)) {
    return license.map((l) => ({
      license: { name: String(l.type), ...(l.url ? { url: l.url } : {}) },
    }));
  }
  return undefined;
};

/** npm's lockfile integrity ("sha512-<base64>") as a CycloneDX hash. */
const hashOf = (integrity) => {
  const [alg, b64] = integrity.split("-");
  return {
    alg: alg.toUpperCase().replace("SHA", "SHA-"),
    content: Buffer.from(b64, "base64").toString("hex"),
  };
};

/**
 * The SBOM document for a release. `srcDir` is the exported commit (its dist/meta.json and
 * node_modules); `runtimes` lists { arch, release, version, integrity } per embedded Node.
 */
export function releaseSbom({ srcDir, version, commit, epoch, license, runtimes }) {
  // The executables run the core and its lazy modules (scripts/build.mjs, dist/sea); commits
  // before it, the bundle's.
  const seaMeta = join(srcDir, "dist", "meta-sea.json");
  const metaFile = existsSync(seaMeta) ? seaMeta : join(srcDir, "dist", "meta.json");
  const meta = JSON.parse(readFileSync(metaFile, "utf8"));
  const byRef = new Map();
  for (const folder of bundledPackageFolders(meta)) {
    const pkg = JSON.parse(readFileSync(join(srcDir, folder, "package.json"), "utf8"));
    const ref = purl(pkg.name, pkg.version);
    byRef.set(ref, {
      type: "library",
      "bom-ref": ref,
      name: pkg.name,
      version: pkg.version,
      purl: ref,
      licenses: licenses(pkg.license),
    });
  }
  for (const runtime of runtimes) {
    const ref = purl(`node-linux-${runtime.arch}`, runtime.version);
    byRef.set(ref, {
      type: "application",
      "bom-ref": ref,
      name: "node",
      version: runtime.version,
      description: `The Node.js runtime embedded in the linux-${runtime.release} executable (npm package node-linux-${runtime.arch})`,
      purl: ref,
      hashes: [hashOf(runtime.integrity)],
      licenses: [{ expression: "MIT" }],
    });
  }
  const components = [...byRef.values()].sort((a, b) => (a["bom-ref"] < b["bom-ref"] ? -1 : 1));
  const self = purl("pullkey", version);
  return {
    bomFormat: "CycloneDX",
    specVersion: "1.6",
    serialNumber: `urn:uuid:${uuidFrom(`${commit} ${version}`)}`,
    version: 1,
    metadata: {
      timestamp: new Date(epoch * 1000).toISOString().replace(".000Z", "Z"),
      component: {
        type: "application",
        "bom-ref": self,
        name: "pullkey",
        version,
        purl: self,
        licenses: licenses(license),
        properties: [{ name: "pullkey:commit", value: commit }],
      },
    },
    components,
    // Flat: everything is in the one executable; the bundle does not keep npm's tree.
    dependencies: [{ ref: self, dependsOn: components.map((c) => c["bom-ref"]) }],
  };
}

/** A name-based (version 5 style) UUID from `text`: the same release gets the same serial. */
function uuidFrom(text) {
  const hex = createHash("sha1")
    .update(`pullkey-sbom:${text}`)
    .digest("hex")
    .slice(0, 32)
    .split("");
  hex[12] = "5";
  hex[16] = ((Number.parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  const h = hex.join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
