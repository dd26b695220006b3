declare const PULLKEY_VERSION: string | undefined;

/** pullkey's version, stamped in by the build (esbuild `define`); "dev" when run from source. */
export function pullkeyVersion(): string {
  return typeof PULLKEY_VERSION === "string" ? PULLKEY_VERSION : "dev";
}
