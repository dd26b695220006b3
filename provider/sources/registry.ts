import { awsSecretsManager } from "./aws-secrets-manager/descriptor.js";
import type { SourceDescriptor } from "./descriptor.js";
import { dockerConfig } from "./docker-config/descriptor.js";
import { staticSource } from "./static/descriptor.js";
import { vault } from "./vault/descriptor.js";

/**
 * Every credential source, each described in its own folder. The plugin (sources/index.ts) and
 * the build's lazy modules (scripts/build.mjs) derive from this list; the config schema's union
 * (specs.ts) is held equal to it by test/unit/sources/registry.test.ts.
 */
export const SOURCES = [awsSecretsManager, dockerConfig, staticSource, vault] as const;

/** Any source's descriptor, for code that handles every kind alike. */
export type AnySourceDescriptor = SourceDescriptor<{ type: string }>;
