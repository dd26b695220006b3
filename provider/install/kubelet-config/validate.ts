import { formatGoDuration } from "../../gocompat/duration.js";
import { goQuote } from "../../gocompat/quote.js";
import { parseSchemeless } from "../../gocompat/url.js";
import { qualifiedNameErrors } from "../../protocol/annotation-key.js";
import type { DecodedConfig, KubeletProvider } from "./decode.js";

/**
 * The kubelet's validateCredentialProviderConfig (pkg/credentialprovider/plugin/config.go,
 * identical in 1.34 and 1.37), rule for rule and in the same order, with its exact field error
 * strings. Pure: the feature gate is a parameter.
 */

export const PROVIDER_API_VERSIONS = [
  "credentialprovider.kubelet.k8s.io/v1",
  "credentialprovider.kubelet.k8s.io/v1alpha1",
  "credentialprovider.kubelet.k8s.io/v1beta1",
] as const;

export const CACHE_TYPES = ["ServiceAccount", "Token"] as const;

export interface ValidateOptions {
  /** KubeletServiceAccountTokenForCredentialProviders: beta and on by default since 1.34. */
  serviceAccountTokenGate?: boolean;
}

/** Every validation error, in the kubelet's order, as `field: Type: detail` lines. */
export function validateCredentialProviderConfig(
  config: DecodedConfig,
  options: ValidateOptions = {},
): string[] {
  const errs: string[] = [];
  const gate = options.serviceAccountTokenGate ?? true;
  if (config.providers.length === 0) {
    errs.push("providers: Required value: at least 1 item in plugins is required");
  }
  const seen = new Set<string>();
  for (const provider of config.providers) {
    const name = provider.name;
    if (name.includes("/"))
      errs.push(invalid("providers.name", name, "provider name cannot contain '/'"));
    if (name.includes(" "))
      errs.push(invalid("providers.name", name, "provider name cannot contain spaces"));
    if (name === ".") errs.push(invalid("providers.name", name, "provider name cannot be '.'"));
    if (name === "..") errs.push(invalid("providers.name", name, "provider name cannot be '..'"));
    if (seen.has(name)) errs.push(`providers.name: Duplicate value: ${goQuote(name)}`);
    seen.add(name);

    if (provider.apiVersion === "") {
      errs.push("providers.apiVersion: Required value");
    } else if (!(PROVIDER_API_VERSIONS as readonly string[]).includes(provider.apiVersion)) {
      errs.push(notSupported("providers.apiVersion", provider.apiVersion, PROVIDER_API_VERSIONS));
    }
    if (provider.matchImages.length === 0) {
      errs.push(
        "providers.matchImages: Required value: at least 1 item in matchImages is required",
      );
    }
    for (const pattern of provider.matchImages) {
      const parsed = parseSchemeless(pattern);
      if ("error" in parsed) {
        errs.push(
          invalid("providers.matchImages", pattern, `match image is invalid: ${parsed.error}`),
        );
      }
    }
    if (provider.defaultCacheDurationMs === undefined) {
      errs.push("providers.defaultCacheDuration: Required value");
    } else if (provider.defaultCacheDurationMs < 0) {
      errs.push(
        invalid(
          "providers.defaultCacheDuration",
          formatGoDuration(provider.defaultCacheDurationMs),
          "must be greater than or equal to 0",
        ),
      );
    }
    if (provider.tokenAttributes) errs.push(...tokenAttributeErrors(provider, gate));
  }
  // field.ErrorList.ToAggregate drops repeated messages.
  return [...new Set(errs)];
}

function tokenAttributeErrors(provider: KubeletProvider, gate: boolean): string[] {
  const errs: string[] = [];
  const t = provider.tokenAttributes;
  if (!t) return errs;
  const at = "providers.tokenAttributes";
  if (!gate) {
    errs.push(
      `${at}: Forbidden: tokenAttributes is not supported when KubeletServiceAccountTokenForCredentialProviders feature gate is disabled`,
    );
  }
  if (t.serviceAccountTokenAudience === "")
    errs.push(`${at}.serviceAccountTokenAudience: Required value`);
  if (t.requireServiceAccount === undefined)
    errs.push(`${at}.requireServiceAccount: Required value`);
  if (provider.apiVersion !== "credentialprovider.kubelet.k8s.io/v1") {
    errs.push(
      `${at}: Forbidden: tokenAttributes is only supported for credentialprovider.kubelet.k8s.io/v1 API version`,
    );
  }
  if (t.requireServiceAccount === false && t.requiredServiceAccountAnnotationKeys.length > 0) {
    errs.push(
      `${at}.requiredServiceAccountAnnotationKeys: Forbidden: requireServiceAccount cannot be false when requiredServiceAccountAnnotationKeys is set`,
    );
  }
  errs.push(
    ...annotationKeyErrors(
      `${at}.requiredServiceAccountAnnotationKeys`,
      t.requiredServiceAccountAnnotationKeys,
    ),
  );
  errs.push(
    ...annotationKeyErrors(
      `${at}.optionalServiceAccountAnnotationKeys`,
      t.optionalServiceAccountAnnotationKeys,
    ),
  );
  const required = new Set(t.requiredServiceAccountAnnotationKeys);
  const both = [...new Set(t.optionalServiceAccountAnnotationKeys)]
    .filter((k) => required.has(k))
    .sort();
  if (both.length > 0) {
    errs.push(
      `${at}: Invalid value: ${JSON.stringify(both)}: annotation keys cannot be both required and optional`,
    );
  }
  if (t.cacheType === "") {
    errs.push(
      `${at}.cacheType: Required value: cacheType is required to be set when tokenAttributes is specified. Supported values are: ${CACHE_TYPES.join(", ")}`,
    );
  } else if (!(CACHE_TYPES as readonly string[]).includes(t.cacheType)) {
    errs.push(notSupported(`${at}.cacheType`, t.cacheType, CACHE_TYPES));
  }
  return errs;
}

function annotationKeyErrors(field: string, keys: readonly string[]): string[] {
  const errs: string[] = [];
  const seen = new Set<string>();
  for (const key of keys) {
    // "The rule is QualifiedName except that case doesn't matter" (config.go).
    for (const msg of qualifiedNameErrors(key.toLowerCase())) errs.push(invalid(field, key, msg));
    if (seen.has(key)) errs.push(`${field}: Duplicate value: ${goQuote(key)}`);
    seen.add(key);
  }
  return errs;
}

function invalid(field: string, value: string, detail: string): string {
  return `${field}: Invalid value: ${goQuote(value)}: ${detail}`;
}

function notSupported(field: string, value: string, valid: readonly string[]): string {
  return `${field}: Unsupported value: ${goQuote(value)}: supported values: ${valid.map((v) => goQuote(v)).join(", ")}`;
}

/** The line the kubelet logs before exiting: field.ErrorList.ToAggregate().Error(). */
export function aggregateMessage(errors: readonly string[]): string {
  const joined = errors.length === 1 ? (errors[0] ?? "") : `[${errors.join(", ")}]`;
  return `failed to validate credential provider config: ${joined}`;
}
