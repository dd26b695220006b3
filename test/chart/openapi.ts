import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Kubernetes objects checked against the API's own OpenAPI v3 documents (api/openapi-spec/v3 of
 * the k8s.io/kubernetes module), the way the API server's strict field validation sees them:
 * types and formats, required fields, and no field the schema does not name (a typo such as
 * `nodeselector` is an error, not a silently dropped key). Written here rather than taken from a
 * JSON Schema library because Kubernetes' schemas need their own readings: objects are closed
 * unless they say otherwise, `int-or-string` and Quantity are unions a plain validator reads
 * loosely, null means unset, and list-type map/set forbid duplicate keys. This does not run
 * the server's semantic validation (name syntax, cross-field rules).
 */

interface Schema {
  type?: string;
  format?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  required?: string[];
  allOf?: Schema[];
  oneOf?: Schema[];
  $ref?: string;
  "x-kubernetes-list-type"?: string;
  "x-kubernetes-list-map-keys"?: string[];
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  "x-kubernetes-group-version-kind"?: { group: string; version: string; kind: string }[];
}

const QUANTITY_NAME = "io.k8s.apimachinery.pkg.api.resource.Quantity";
// resource.ParseQuantity's grammar: a signed decimal, then a binary or decimal SI suffix or an
// exponent.
const QUANTITY = /^[+-]?(\d+(\.\d*)?|\.\d+)([KMGTPE]i|[numkMGTPE]|[eE][+-]?\d+)?$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export class KubernetesSchemas {
  private readonly schemas = new Map<string, Schema>();
  private readonly kinds = new Map<string, string>();

  /** Reads every `*_openapi.json` of `dir` (one per group version; names are global). */
  constructor(dir: string) {
    for (const file of readdirSync(dir).filter((f) => f.endsWith("_openapi.json"))) {
      const doc = JSON.parse(readFileSync(join(dir, file), "utf8"));
      for (const [name, schema] of Object.entries<Schema>(doc.components?.schemas ?? {})) {
        this.schemas.set(name, schema);
        for (const gvk of schema["x-kubernetes-group-version-kind"] ?? []) {
          this.kinds.set(gvkKey(gvk.group, gvk.version, gvk.kind), name);
        }
      }
    }
  }

  /** Every way `object` breaks its kind's schema, as `path: problem` lines (empty when valid). */
  validate(object: unknown): string[] {
    const { apiVersion, kind } = (object ?? {}) as { apiVersion?: unknown; kind?: unknown };
    if (typeof apiVersion !== "string" || typeof kind !== "string") {
      return ["apiVersion and kind must be strings"];
    }
    const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
    const name = this.kinds.get(gvkKey(group ?? "", version ?? "", kind));
    if (!name) return [`${apiVersion} ${kind} is not a kind of this Kubernetes release`];
    const errors: string[] = [];
    this.check(object, { $ref: `#/components/schemas/${name}` }, kind, errors);
    return errors;
  }

  private check(value: unknown, schema: Schema, path: string, errors: string[]): void {
    // The API server decodes an explicit null as "not set".
    if (value === null) return;
    if (schema.$ref) {
      const name = schema.$ref.replace("#/components/schemas/", "");
      const target = this.schemas.get(name);
      if (!target) throw new Error(`the schema has no ${name}`);
      if (name === QUANTITY_NAME && !(typeof value === "number" || QUANTITY.test(String(value)))) {
        errors.push(`${path}: ${JSON.stringify(value)} is not a quantity`);
        return;
      }
      this.check(value, target, path, errors);
    }
    for (const part of schema.allOf ?? []) this.check(value, part, path, errors);
    if (schema.oneOf) {
      const fits = schema.oneOf.some((alt) => {
        const inner: string[] = [];
        this.check(value, alt, path, inner);
        return inner.length === 0;
      });
      if (!fits)
        errors.push(
          `${path}: ${JSON.stringify(value)} fits none of ${schema.format ?? "the alternatives"}`,
        );
    }
    if (schema.type) this.checkType(value, schema, path, errors);
  }

  private checkType(value: unknown, schema: Schema, path: string, errors: string[]): void {
    if (schema.type === "array" && Array.isArray(value)) {
      value.forEach((item, i) => {
        this.check(item, schema.items ?? {}, `${path}[${i}]`, errors);
      });
      this.checkListType(value, schema, path, errors);
    } else if (schema.type === "object" && isObject(value)) {
      this.checkObject(value, schema, path, errors);
    } else {
      const problem = scalarProblem(value, schema);
      if (problem) errors.push(`${path}: ${JSON.stringify(value)} is not ${problem}`);
    }
  }

  private checkObject(
    value: Record<string, unknown>,
    schema: Schema,
    path: string,
    errors: string[],
  ): void {
    for (const field of schema.required ?? []) {
      if (value[field] === undefined || value[field] === null) {
        errors.push(`${path}.${field}: required`);
      }
    }
    const extra = schema.additionalProperties;
    for (const [key, item] of Object.entries(value)) {
      const property = schema.properties?.[key];
      if (property) this.check(item, property, `${path}.${key}`, errors);
      else if (typeof extra === "object") this.check(item, extra, `${path}.${key}`, errors);
      else if (extra !== true && !schema["x-kubernetes-preserve-unknown-fields"]) {
        errors.push(`${path}.${key}: unknown field`);
      }
    }
  }

  private checkListType(value: unknown[], schema: Schema, path: string, errors: string[]): void {
    const listType = schema["x-kubernetes-list-type"];
    if (listType !== "map" && listType !== "set") return;
    const keys = schema["x-kubernetes-list-map-keys"] ?? [];
    const seen = new Set<string>();
    for (const item of value) {
      const key =
        listType === "set"
          ? JSON.stringify(item)
          : JSON.stringify(keys.map((k) => (item as Record<string, unknown>)?.[k] ?? null));
      if (seen.has(key)) errors.push(`${path}: duplicate entry ${key}`);
      seen.add(key);
    }
  }
}

/** What a scalar is not, by the schema's type and format; undefined when it fits. */
function scalarProblem(value: unknown, schema: Schema): string | undefined {
  switch (schema.type) {
    case "string":
      if (typeof value !== "string") return "a string";
      if (schema.format === "byte" && !BASE64.test(value)) return "base64";
      if (schema.format === "date-time" && Number.isNaN(Date.parse(value))) return "a time";
      return undefined;
    case "integer":
      if (typeof value !== "number" || !Number.isInteger(value)) return "an integer";
      if (schema.format === "int32" && Math.abs(value) > 2 ** 31) return "an int32";
      return undefined;
    case "number":
      return typeof value === "number" ? undefined : "a number";
    case "boolean":
      return typeof value === "boolean" ? undefined : "a boolean";
    case "array":
      return "a list";
    case "object":
      return "an object";
    default:
      throw new Error(`schema type ${schema.type} is not handled`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function gvkKey(group: string, version: string, kind: string): string {
  return `${group}/${version}/${kind}`;
}
