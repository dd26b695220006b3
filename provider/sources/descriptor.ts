import type { CredentialSource, SourceDeps } from "./source.js";

/** A file a spec reads, by its field name, so `pullkey validate` can check it. */
export interface SpecFile {
  field: string;
  path: string;
}

/**
 * Everything pullkey knows about one kind of source, in that source's folder: the plugin, the
 * commands and the build read it from the one list in registry.ts. The config schema lives
 * beside it (`spec.ts`) and is listed in specs.ts, because zod must stay out of the main bundle
 * (it is compiled only when a config changes); a test holds the two lists equal.
 */
export interface SourceDescriptor<Spec extends { type: string }> {
  type: Spec["type"];
  /** The folder under provider/sources/. */
  folder: string;
  /**
   * Whether answers go through the node-local cache. Only network sources: a local file (a
   * password file, a docker config) is cheaper to read than a cache entry, and reading it on
   * every exec means an edit or a rotation is seen by the very next pull.
   */
  cached: boolean;
  /**
   * Whether the build embeds `source.ts` as a lazily compiled module (scripts/build.mjs): for
   * sources with an SDK behind them, which a rule that does not use them must not pay for.
   */
  lazy: boolean;
  /** A short label for messages before the source is created; never a credential. */
  describe(spec: Spec): string;
  /** The files the spec reads. */
  files(spec: Spec): SpecFile[];
  /** Loads the implementation on demand (`import("./source.js")`). */
  load(): Promise<(spec: Spec, deps: SourceDeps) => CredentialSource>;
}

/** Declares a source; only for type inference. */
export function defineSource<Spec extends { type: string }>(
  descriptor: SourceDescriptor<Spec>,
): SourceDescriptor<Spec> {
  return descriptor;
}
