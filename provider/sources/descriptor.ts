import type * as Z from "zod/mini";
import type { CredentialSource, SourceDeps } from "./source.js";

/**
 * The parts of zod/mini a source's schema is built from, handed over by the one caller that
 * loads zod (the config compiler): the plugin imports every descriptor, and zod must stay out of
 * its bundle. Named parts rather than the namespace, so the build keeps only what is used.
 */
export type Zod = Pick<
  typeof Z,
  | "array"
  | "boolean"
  | "describe"
  | "discriminatedUnion"
  | "enum"
  | "int"
  | "literal"
  | "maxLength"
  | "minLength"
  | "number"
  | "optional"
  | "positive"
  | "record"
  | "refine"
  | "regex"
  | "strictObject"
  | "string"
>;

/** The config shape a schema builder (`spec.ts`) accepts. */
export type SpecOf<Build extends (z: Zod) => Z.ZodMiniType> = Z.infer<ReturnType<Build>>;

/** A file a spec reads, by its field name, so `pullkey validate` can check it. */
export interface SpecFile {
  field: string;
  path: string;
}

/**
 * Everything pullkey knows about one kind of source, in that source's folder: the config
 * schema, the plugin, the commands and the build read it from the one list in registry.ts.
 */
export interface SourceDescriptor<Spec extends { type: string }> {
  type: Spec["type"];
  /** The config schema of a rule's `source`, built with the zod it is given (`spec.ts`). */
  schema(z: Zod): Z.ZodMiniType<Spec>;
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
