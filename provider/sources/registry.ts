import { awsSecretsManager } from "./aws-secrets-manager/descriptor.js";
import type { SourceDescriptor } from "./descriptor.js";
import { dockerConfig } from "./docker-config/descriptor.js";
import { staticSource } from "./static/descriptor.js";
import { vault } from "./vault/descriptor.js";

/**
 * Every credential source, each described in its own folder. The config schema
 * (config/schema.ts), the plugin (sources/index.ts) and the build's lazy modules
 * (scripts/build.mjs) derive from this list: adding a source adds its folder and one entry here.
 */
export const SOURCES = [awsSecretsManager, dockerConfig, staticSource, vault] as const;

/** Any source's descriptor, for code that handles every kind alike. */
export type AnySourceDescriptor = SourceDescriptor<{ type: string }>;

type SpecOfDescriptor<D> = D extends SourceDescriptor<infer Spec> ? Spec : never;

/** Any rule's `source`, told apart by `type`. */
export type SourceSpec = SpecOfDescriptor<(typeof SOURCES)[number]>;
