import type { ApiVersion, AuthConfig, CacheKeyType, CredentialProviderResponse } from "./api.js";
import { RESPONSE_KIND } from "./api.js";

/**
 * Encodes the response as the kubelet's strict decoder wants it: exactly the API's fields, the
 * request's apiVersion, the duration as a string, auth keys in a stable order, one trailing newline.
 */
export function encodeResponse(response: CredentialProviderResponse): string {
  const auth: Record<string, AuthConfig> = {};
  for (const key of Object.keys(response.auth).sort()) {
    const entry = response.auth[key];
    if (entry) auth[key] = { username: entry.username, password: entry.password };
  }
  const wire = {
    kind: RESPONSE_KIND,
    apiVersion: response.apiVersion,
    cacheKeyType: response.cacheKeyType,
    cacheDuration: response.cacheDuration,
    auth,
  };
  return `${JSON.stringify(wire)}\n`;
}

/** Builds a response value; a small constructor keeps field names in one place. */
export function makeResponse(
  apiVersion: ApiVersion,
  cacheKeyType: CacheKeyType,
  cacheDuration: string,
  auth: Record<string, AuthConfig>,
): CredentialProviderResponse {
  return { apiVersion, cacheKeyType, cacheDuration, auth };
}
