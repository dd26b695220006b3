import { parseGoDuration } from "../../gocompat/duration.js";

/**
 * The kubelet's strict decoding of a CredentialProviderConfig (config.go `decode`:
 * UniversalDecoder with strict mode), reproduced on an already parsed YAML/JSON document:
 * kind and group/version checks, Go JSON type errors, metav1.Duration parse errors, then every
 * unknown field at once. Messages are the kubelet's, without its `error decoding config "<path>": `
 * prefix. Pure.
 */

export const CONFIG_GROUP = "kubelet.config.k8s.io";
export const CONFIG_KIND = "CredentialProviderConfig";
/** The config versions the kubelet still decodes (kubelet-protocol.md §4.1). */
export const CONFIG_VERSIONS = ["v1", "v1beta1", "v1alpha1"] as const;

export interface ExecEnvVar {
  name: string;
  value: string;
}

export interface TokenAttributes {
  serviceAccountTokenAudience: string;
  cacheType: string;
  requireServiceAccount?: boolean;
  requiredServiceAccountAnnotationKeys: string[];
  optionalServiceAccountAnnotationKeys: string[];
}

/** One decoded provider entry; `defaultCacheDuration` is undefined when absent or null. */
export interface KubeletProvider {
  name: string;
  matchImages: string[];
  defaultCacheDurationMs?: number;
  apiVersion: string;
  args: string[];
  env: ExecEnvVar[];
  tokenAttributes?: TokenAttributes;
}

export interface DecodedConfig {
  apiVersion: string;
  providers: KubeletProvider[];
}

export interface DecodeOptions {
  /** Kubelet minor version (1.N); decides which tokenAttributes fields exist. Default: latest. */
  kubeletMinor?: number | undefined;
  /**
   * Report unknown fields (default). load.ts turns this off and runs the strict pass on the
   * parsed document instead, which also sees duplicate keys and their positions.
   */
  strict?: boolean | undefined;
}

/** A field's Go type, as much as decoding needs. */
export type FieldType = "string" | "strings" | "duration" | "bool" | StructType | ListType;
export interface StructType {
  struct: string;
  fields: Record<string, FieldType>;
}
export interface ListType {
  list: StructType;
}

/** The versioned Go types of a config apiVersion (`v1`, `v1beta1`, `v1alpha1`). */
export function schemaFor(version: string, kubeletMinor: number): StructType {
  const pkg = version;
  const token: StructType = {
    struct: `${pkg}.ServiceAccountTokenAttributes`,
    fields: {
      serviceAccountTokenAudience: "string",
      // cacheType arrived in 1.34 (kubernetes PR #132617); a 1.33 kubelet rejects it as unknown.
      ...(kubeletMinor >= 34 ? { cacheType: "string" as const } : {}),
      requireServiceAccount: "bool",
      requiredServiceAccountAnnotationKeys: "strings",
      optionalServiceAccountAnnotationKeys: "strings",
    },
  };
  const provider: StructType = {
    struct: `${pkg}.CredentialProvider`,
    fields: {
      name: "string",
      matchImages: "strings",
      defaultCacheDuration: "duration",
      apiVersion: "string",
      args: "strings",
      env: { list: { struct: `${pkg}.ExecEnvVar`, fields: { name: "string", value: "string" } } },
      // tokenAttributes exists only in v1, from 1.33 (KEP-4412 alpha).
      ...(version === "v1" && kubeletMinor >= 33 ? { tokenAttributes: token } : {}),
    },
  };
  return {
    struct: `${pkg}.CredentialProviderConfig`,
    fields: { kind: "string", apiVersion: "string", providers: { list: provider } },
  };
}

class DecodeFailure extends Error {}

interface Walk {
  firstTypeError?: string;
  unknown: string[];
}

/** Decodes like the kubelet; `source` is the raw file text, quoted in a missing-kind error. */
export function decodeCredentialProviderConfig(
  doc: unknown,
  options: DecodeOptions = {},
  source = "",
): { config: DecodedConfig; error?: undefined } | { error: string; config?: undefined } {
  if (!isObject(doc)) return { error: "couldn't get version/kind; json parse error" };
  const apiVersion = typeof doc["apiVersion"] === "string" ? doc["apiVersion"] : "";
  const kind = typeof doc["kind"] === "string" ? doc["kind"] : "";
  if (kind === "") return { error: `Object 'Kind' is missing in '${source}'` };
  if (apiVersion === "") return { error: `Object 'apiVersion' is missing in '${source}'` };
  const [group, version = ""] = apiVersion.includes("/") ? apiVersion.split("/", 2) : ["", ""];
  if (group !== CONFIG_GROUP || !(CONFIG_VERSIONS as readonly string[]).includes(version)) {
    return {
      error: `no kind ${JSON.stringify(kind)} is registered for version ${JSON.stringify(apiVersion)}`,
    };
  }
  if (kind !== CONFIG_KIND) {
    return {
      error: `no kind ${JSON.stringify(kind)} is registered for version ${JSON.stringify(apiVersion)}`,
    };
  }
  const schema = schemaFor(version, options.kubeletMinor ?? Number.POSITIVE_INFINITY);
  const walk: Walk = { unknown: [] };
  let value: Record<string, unknown>;
  try {
    value = decodeStruct(doc, schema, "", CONFIG_KIND, walk);
  } catch (err) {
    if (err instanceof DecodeFailure) return { error: err.message };
    throw err;
  }
  if (walk.firstTypeError) return { error: walk.firstTypeError };
  if (options.strict !== false && walk.unknown.length > 0) {
    return {
      error: `strict decoding error: ${walk.unknown.map((f) => `unknown field ${JSON.stringify(f)}`).join(", ")}`,
    };
  }
  const providers = (value["providers"] as Record<string, unknown>[] | undefined) ?? [];
  return {
    config: {
      apiVersion,
      providers: providers.map((p) => toProvider(p)),
    },
  };
}

function toProvider(p: Record<string, unknown>): KubeletProvider {
  const token = p["tokenAttributes"] as Record<string, unknown> | undefined;
  return {
    name: (p["name"] as string | undefined) ?? "",
    matchImages: (p["matchImages"] as string[] | undefined) ?? [],
    ...(typeof p["defaultCacheDuration"] === "number"
      ? { defaultCacheDurationMs: p["defaultCacheDuration"] }
      : {}),
    apiVersion: (p["apiVersion"] as string | undefined) ?? "",
    args: (p["args"] as string[] | undefined) ?? [],
    env: ((p["env"] as Record<string, unknown>[] | undefined) ?? []).map((e) => ({
      name: (e["name"] as string | undefined) ?? "",
      value: (e["value"] as string | undefined) ?? "",
    })),
    ...(token
      ? {
          tokenAttributes: {
            serviceAccountTokenAudience:
              (token["serviceAccountTokenAudience"] as string | undefined) ?? "",
            cacheType: (token["cacheType"] as string | undefined) ?? "",
            ...(typeof token["requireServiceAccount"] === "boolean"
              ? { requireServiceAccount: token["requireServiceAccount"] }
              : {}),
            requiredServiceAccountAnnotationKeys:
              (token["requiredServiceAccountAnnotationKeys"] as string[] | undefined) ?? [],
            optionalServiceAccountAnnotationKeys:
              (token["optionalServiceAccountAnnotationKeys"] as string[] | undefined) ?? [],
          },
        }
      : {}),
  };
}

function decodeStruct(
  obj: Record<string, unknown>,
  type: StructType,
  path: string,
  goPath: string,
  walk: Walk,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(obj)) {
    const fieldType = type.fields[key];
    const at = path === "" ? key : `${path}.${key}`;
    if (fieldType === undefined) {
      walk.unknown.push(at);
      continue;
    }
    const goField = `${goPath}.${key}`;
    const decoded = decodeValue(raw, fieldType, at, goField, walk);
    if (decoded !== undefined) out[key] = decoded;
  }
  return out;
}

function decodeValue(
  raw: unknown,
  type: FieldType,
  path: string,
  goField: string,
  walk: Walk,
): unknown {
  if (raw === null) return undefined;
  const mismatch = (goType: string): undefined => {
    walk.firstTypeError ??= `json: cannot unmarshal ${jsonKind(raw)} into Go struct field ${goField} of type ${goType}`;
    return undefined;
  };
  if (type === "string") return typeof raw === "string" ? raw : mismatch("string");
  if (type === "bool") return typeof raw === "boolean" ? raw : mismatch("bool");
  if (type === "duration") {
    // metav1.Duration.UnmarshalJSON: its errors end decoding at once, unlike type mismatches.
    if (typeof raw !== "string") {
      throw new DecodeFailure(
        `json: cannot unmarshal ${jsonKind(raw)} into Go struct field ${goField} of type string`,
      );
    }
    const parsed = parseGoDuration(raw);
    if ("error" in parsed) throw new DecodeFailure(parsed.error);
    return parsed.value;
  }
  if (type === "strings") {
    if (!Array.isArray(raw)) return mismatch("[]string");
    return raw.map((item) => (typeof item === "string" ? item : (mismatch("string") ?? "")));
  }
  if ("list" in type) {
    const goType = `[]${type.list.struct}`;
    if (!Array.isArray(raw)) return mismatch(goType);
    return raw.map((item, i) => {
      if (item === null) return {};
      if (!isObject(item)) return mismatch(type.list.struct) ?? {};
      return decodeStruct(item, type.list, `${path}[${i}]`, structPath(type.list, goField), walk);
    });
  }
  if (!isObject(raw)) return mismatch(type.struct);
  return decodeStruct(raw, type, path, structPath(type, goField), walk);
}

/** Go names a nested field by the innermost struct and the field path from the root. */
function structPath(type: StructType, goField: string): string {
  const short = type.struct.split(".").pop() ?? type.struct;
  return `${short}.${goField.split(".").slice(1).join(".")}`;
}

function jsonKind(value: unknown): string {
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return "number";
  if (typeof value === "boolean") return "bool";
  if (typeof value === "string") return "string";
  return "object";
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
