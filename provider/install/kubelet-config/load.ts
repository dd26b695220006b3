import { parse } from "yaml";
import { type DecodedConfig, decodeCredentialProviderConfig } from "./decode.js";
import { syntaxError } from "./document.js";
import { strictDecodingError } from "./strict.js";
import { aggregateMessage, validateCredentialProviderConfig } from "./validate.js";

export interface LoadOptions {
  /** Kubelet minor version (1.N) when known; default: the latest rules. */
  kubeletMinor?: number | undefined;
  /** KubeletServiceAccountTokenForCredentialProviders; default: on from 1.34, as in the kubelet. */
  serviceAccountTokenGate?: boolean | undefined;
}

/**
 * What the kubelet's loader (config.go readCredentialProviderConfig, then
 * validateCredentialProviderConfig) makes of the config files it would read: one file, or a
 * folder's files in sorted order. Returns the merged config, or the error the kubelet exits
 * with, in its words. YAML syntax errors are the one place the wording is pullkey's own.
 */
export function loadKubeletConfig(
  files: readonly { path: string; text: string }[],
  options: LoadOptions = {},
): { config: DecodedConfig; error?: undefined } | { error: string; config?: undefined } {
  const merged: DecodedConfig = { apiVersion: "", providers: [] };
  const names = new Set<string>();
  for (const { path, text } of files) {
    // Duplicate keys are the strict pass's to report, in the kubelet's words; any other syntax
    // error, even one the yaml library recovers from, stops the kubelet. Lines are the file's.
    const broken = syntaxError(text);
    if (broken !== undefined) {
      return {
        error: `error decoding config ${JSON.stringify(path)}: not valid YAML or JSON: ${broken}`,
      };
    }
    const doc: unknown = parse(text, { uniqueKeys: false });
    const decoded = decodeCredentialProviderConfig(
      doc,
      { kubeletMinor: options.kubeletMinor, strict: false },
      text,
    );
    // Type and duration errors come from the first, lenient pass; strict errors only after it.
    const error = decoded.error ?? strictDecodingError(text, options.kubeletMinor);
    if (error !== undefined || decoded.config === undefined) {
      return { error: `error decoding config ${JSON.stringify(path)}: ${error}` };
    }
    merged.apiVersion ||= decoded.config.apiVersion;
    for (const provider of decoded.config.providers) {
      // Checked while merging, before validation, even within one file (config.go).
      if (names.has(provider.name)) {
        return {
          error: `duplicate provider name ${JSON.stringify(provider.name)} found in configuration file(s)`,
        };
      }
      names.add(provider.name);
      merged.providers.push(provider);
    }
  }
  const gate =
    options.serviceAccountTokenGate ??
    (options.kubeletMinor === undefined || options.kubeletMinor >= 34);
  const errors = validateCredentialProviderConfig(merged, { serviceAccountTokenGate: gate });
  if (errors.length > 0) return { error: aggregateMessage(errors) };
  return { config: merged };
}
