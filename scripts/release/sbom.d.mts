/** The package folder of a bundled input path, e.g. "node_modules/@smithy/core" (nested too). */
export function packageFolder(input: string): string | undefined;

/** An esbuild metafile, as far as the SBOM reads it. */
interface Metafile {
  outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }>;
}

/** Every package folder that contributed bytes to the bundle, from dist/meta.json. */
export function bundledPackageFolders(meta: {
  main: Metafile;
  lazy: Record<string, Metafile>;
}): string[];

/** The CycloneDX SBOM document for a release. */
export function releaseSbom(options: {
  srcDir: string;
  version: string;
  commit: string;
  epoch: number;
  license: unknown;
  runtimes: { arch: string; release: string; version: string; integrity: string }[];
}): Record<string, unknown>;
