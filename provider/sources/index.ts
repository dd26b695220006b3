import { PullkeyError } from "../errors.js";
import type { SpecFile } from "./descriptor.js";
import type { SourceSpec } from "./registry.js";
import { type AnySourceDescriptor, SOURCES } from "./registry.js";
import type { CredentialSource, SourceDeps } from "./source.js";

/** The registered sources; tests pass their own list to add a fake one. */
export type Registry = readonly AnySourceDescriptor[];

/**
 * The descriptor for a spec's `type`. Each descriptor is typed by its own spec; the registry
 * cannot say that one type's spec only ever reaches that type's descriptor, hence the widening.
 */
function descriptorFor(spec: { type: string }, registry: Registry = ALL): AnySourceDescriptor {
  const found = registry.find((d) => d.type === spec.type);
  // The config schema admits only registered types, so this is a programming error.
  if (!found) throw new PullkeyError("INTERNAL", `no source of type ${JSON.stringify(spec.type)}`);
  return found;
}

const ALL = SOURCES as unknown as Registry;

/**
 * Creates the source for a spec. Implementations are loaded on demand so that a rule never pays
 * the start-up cost of a backend it does not use (the kubelet execs pullkey on every cache miss).
 */
export async function createSource(
  spec: SourceSpec,
  deps: SourceDeps,
  registry: Registry | undefined = ALL,
): Promise<CredentialSource> {
  const create = await descriptorFor(spec, registry).load();
  return create(spec, deps);
}

/** Whether answers from this source go through the node-local cache (network sources only). */
export function sourceIsCached(spec: SourceSpec, registry: Registry | undefined = ALL): boolean {
  return descriptorFor(spec, registry).cached;
}

/** A short label for a spec, used in messages before the source is created. */
export function describeSpec(spec: SourceSpec, registry: Registry | undefined = ALL): string {
  return descriptorFor(spec, registry).describe(spec);
}

/** The files a spec reads, by field name, so `pullkey validate` can check them. */
export function sourceFiles(spec: SourceSpec, registry: Registry | undefined = ALL): SpecFile[] {
  return descriptorFor(spec, registry).files(spec);
}
