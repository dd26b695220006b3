declare const PULLKEY_VERSION: string | undefined;
declare const PULLKEY_BUILD: string | undefined;

/** pullkey's version, stamped in by the build (esbuild `define`); "dev" when run from source. */
export function pullkeyVersion(): string {
  return typeof PULLKEY_VERSION === "string" ? PULLKEY_VERSION : "dev";
}

/** Which build this is (stamped in by the build); "dev" when run from source. */
export function pullkeyBuild(): string {
  return typeof PULLKEY_BUILD === "string" ? PULLKEY_BUILD : "dev";
}
