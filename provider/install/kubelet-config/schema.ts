import * as z from "zod/mini";
import { quote } from "../../errors.js";
import { parseGoDuration } from "../../gocompat/duration.js";
import { parseSchemeless } from "../../gocompat/url.js";
import { isAnnotationKey } from "../../protocol/annotation-key.js";

/**
 * The kubelet's CredentialProviderConfig (k8s.io/kubelet config/v1 types.go) as a strict zod
 * schema, with the rules of its validateCredentialProviderConfig (pkg/credentialprovider/plugin
 * config.go, kubelet-protocol.md §4.3) as pullkey's own messages. The verdicts are the
 * kubelet's (the conformance harness runs the same cases through its loader); the words are ours.
 */

export const CONFIG_GROUP = "kubelet.config.k8s.io";
export const CONFIG_KIND = "CredentialProviderConfig";
/** The config versions the kubelet still decodes (kubelet-protocol.md §4.1). */
export const CONFIG_VERSIONS = ["v1", "v1beta1", "v1alpha1"] as const;
export const PROVIDER_API_VERSIONS = [
  "credentialprovider.kubelet.k8s.io/v1",
  "credentialprovider.kubelet.k8s.io/v1alpha1",
  "credentialprovider.kubelet.k8s.io/v1beta1",
] as const;
export const CACHE_TYPES = ["ServiceAccount", "Token"] as const;

export interface ExecEnvVar {
  name: string;
  value: string;
}

/** What pullkey reads of a provider entry the kubelet accepted: what runs, and for which images. */
export interface KubeletProvider {
  name: string;
  matchImages: string[];
  apiVersion: string;
  args: string[];
  env: ExecEnvVar[];
  /** tokenAttributes.serviceAccountTokenAudience, when the entry asks for pod tokens (KEP-4412). */
  tokenAudience?: string;
}

export interface DecodedConfig {
  apiVersion: string;
  providers: KubeletProvider[];
}

/** What differs between kubelets: which fields exist, and the service account token gate. */
export interface SchemaOptions {
  /** The config's version: tokenAttributes exists only in v1. */
  version: string;
  /** Kubelet minor version (1.N); tokenAttributes arrived in 1.33, cacheType in 1.34. */
  kubeletMinor: number;
  /** KubeletServiceAccountTokenForCredentialProviders: beta and on by default since 1.34. */
  serviceAccountTokenGate: boolean;
}

// Go's JSON decoding leaves a field at its zero value for null, so null reads as absent or empty.
const text = z.optional(z.nullable(z.string()));
const texts = z.optional(z.nullable(z.array(z.nullable(z.string()))));

/** A check whose message depends on the value: `reason` returns it, or undefined when fine. */
function unless<T>(reason: (value: T) => string | undefined) {
  return z.superRefine<T>((value, ctx) => {
    const message = reason(value);
    if (message !== undefined) ctx.addIssue({ code: "custom", input: value, message });
  });
}

const duration = z.string().check(
  unless((text) => {
    const parsed = parseGoDuration(text);
    if ("error" in parsed) return `${quote(text)} is not a duration such as 30s, 10m or 12h`;
    return parsed.value < 0 ? "must not be negative" : undefined;
  }),
);

const annotationKeys = z.optional(
  z.nullable(
    z
      .array(
        z
          .string()
          .check(
            unless((key) =>
              isAnnotationKey(key)
                ? undefined
                : `${quote(key)} is not an annotation key (such as example.com/role)`,
            ),
          ),
      )
      .check(
        unless((keys) => {
          const twice = keys.find((key, i) => keys.indexOf(key) < i);
          return twice === undefined ? undefined : `lists ${quote(twice)} twice`;
        }),
      ),
  ),
);

function tokenAttributes(minor: number) {
  return z.strictObject({
    serviceAccountTokenAudience: z.string().check(z.minLength(1, "must not be empty")),
    // cacheType arrived in 1.34 (kubernetes PR #132617), which requires it; 1.33 knows no such field.
    ...(minor >= 34 ? { cacheType: z.enum(CACHE_TYPES) } : {}),
    requireServiceAccount: z.boolean(),
    requiredServiceAccountAnnotationKeys: annotationKeys,
    optionalServiceAccountAnnotationKeys: annotationKeys,
  });
}

/** The strict schema of one config file of `options.version`, with the per-provider rules. */
export function credentialProviderConfigSchema(options: SchemaOptions) {
  const withToken = options.version === "v1" && options.kubeletMinor >= 33;
  const provider = z
    .strictObject({
      name: z.optional(
        z.nullable(
          z.string().check(
            // The kubelet runs <bin-dir>/<name>; an empty name fails only at registration.
            z.refine((n) => !n.includes("/") && !n.includes(" "), "must not contain '/' or spaces"),
            z.refine((n) => n !== "." && n !== "..", "must not be '.' or '..'"),
          ),
        ),
      ),
      matchImages: z
        .array(
          z.string().check(
            unless((pattern) => {
              const parsed = parseSchemeless(pattern);
              return "error" in parsed
                ? `${quote(pattern)} is not an image pattern (${parsed.error})`
                : undefined;
            }),
          ),
        )
        .check(z.minLength(1, "must list at least one image pattern")),
      defaultCacheDuration: duration,
      apiVersion: z.enum(PROVIDER_API_VERSIONS),
      args: texts,
      env: z.optional(z.nullable(z.array(z.nullable(z.strictObject({ name: text, value: text }))))),
      ...(withToken
        ? { tokenAttributes: z.optional(z.nullable(tokenAttributes(options.kubeletMinor))) }
        : {}),
    })
    .check(z.superRefine((p, ctx) => tokenRules(p, options, ctx)));
  return z.strictObject({
    apiVersion: z.string(),
    kind: z.string(),
    providers: z.optional(z.nullable(z.array(provider))),
  });
}

type Ctx = Parameters<Parameters<typeof z.superRefine>[0]>[1];

/** The tokenAttributes rules that span fields (config.go validateCredentialProviderConfig). */
function tokenRules(p: Record<string, unknown>, options: SchemaOptions, ctx: Ctx): void {
  const t = p["tokenAttributes"] as
    | {
        requireServiceAccount: boolean;
        requiredServiceAccountAnnotationKeys?: string[] | null;
        optionalServiceAccountAnnotationKeys?: string[] | null;
      }
    | null
    | undefined;
  if (!t) return;
  const issue = (message: string, ...path: string[]) =>
    ctx.addIssue({ code: "custom", input: t, path: ["tokenAttributes", ...path], message });
  if (!options.serviceAccountTokenGate) {
    issue(
      "needs the kubelet's KubeletServiceAccountTokenForCredentialProviders feature gate, which is off",
    );
  }
  if (p["apiVersion"] !== PROVIDER_API_VERSIONS[0]) {
    issue(`needs the provider's apiVersion to be ${PROVIDER_API_VERSIONS[0]}`);
  }
  const required = t.requiredServiceAccountAnnotationKeys ?? [];
  if (!t.requireServiceAccount && required.length > 0) {
    issue(
      "needs requireServiceAccount: true when keys are required",
      "requiredServiceAccountAnnotationKeys",
    );
  }
  const both = (t.optionalServiceAccountAnnotationKeys ?? []).filter((k) => required.includes(k));
  if (both.length > 0) {
    issue(
      `${[...new Set(both)].map((k) => quote(k)).join(", ")} cannot be both required and optional`,
    );
  }
}
