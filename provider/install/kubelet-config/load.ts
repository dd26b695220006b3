import { describeIssue } from "../../config/issues.js";
import { parseYaml } from "../../config/yaml.js";
import { PullkeyError, quote } from "../../errors.js";
import {
  CONFIG_GROUP,
  CONFIG_KIND,
  CONFIG_VERSIONS,
  credentialProviderConfigSchema,
  type DecodedConfig,
  type KubeletProvider,
} from "./schema.js";

export interface LoadOptions {
  /** Kubelet minor version (1.N) when known; default: the latest rules. */
  kubeletMinor?: number | undefined;
  /** KubeletServiceAccountTokenForCredentialProviders; default: on from 1.34, as in the kubelet. */
  serviceAccountTokenGate?: boolean | undefined;
}

/**
 * Whether the kubelet would start with these config files (one file, or a folder's files in
 * the kubelet's order; config.go readCredentialProviderConfig, then validation). Returns the
 * merged config, or one line of `file: path: message` errors. The verdict is the kubelet's;
 * the words are pullkey's.
 */
export function loadKubeletConfig(
  files: readonly { path: string; text: string }[],
  options: LoadOptions = {},
): { config: DecodedConfig; error?: undefined } | { error: string; config?: undefined } {
  const kubeletMinor = options.kubeletMinor ?? Number.POSITIVE_INFINITY;
  const serviceAccountTokenGate = options.serviceAccountTokenGate ?? kubeletMinor >= 34;
  const merged: DecodedConfig = { apiVersion: "", providers: [] };
  const names = new Map<string, string>();
  for (const { path, text } of files) {
    const decoded = decodeFile(text, path, { kubeletMinor, serviceAccountTokenGate });
    if ("errors" in decoded) return { error: `${path}: ${decoded.errors.join("; ")}` };
    merged.apiVersion ||= decoded.apiVersion;
    for (const [i, provider] of decoded.providers.entries()) {
      // The kubelet refuses a name used twice, within one file or across a folder's files.
      const first = names.get(provider.name);
      if (first !== undefined) {
        return {
          error: `${path}: providers[${i}].name: ${quote(provider.name)} is already the name of a provider in ${first}`,
        };
      }
      names.set(provider.name, path);
      merged.providers.push(provider);
    }
  }
  if (merged.providers.length === 0) {
    return {
      error: `${files.map((f) => f.path).join(", ")}: providers: must list at least one provider`,
    };
  }
  return { config: merged };
}

function decodeFile(
  text: string,
  path: string,
  options: { kubeletMinor: number; serviceAccountTokenGate: boolean },
): { apiVersion: string; providers: KubeletProvider[] } | { errors: string[] } {
  let doc: unknown;
  try {
    // Strict like the kubelet's decoder: any syntax error or duplicate key refuses the file.
    doc = parseYaml(text, path);
  } catch (err) {
    if (err instanceof PullkeyError)
      return { errors: [err.message.replace(`config ${path} `, "")] };
    throw err;
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    return { errors: [`holds no ${CONFIG_KIND} (a mapping with apiVersion, kind, providers)`] };
  }
  const head = doc as Record<string, unknown>;
  const [group, version = ""] = String(head["apiVersion"] ?? "").split("/");
  if (group !== CONFIG_GROUP || !(CONFIG_VERSIONS as readonly string[]).includes(version)) {
    return {
      errors: [
        `apiVersion: must be ${CONFIG_VERSIONS.map((v) => `${CONFIG_GROUP}/${v}`).join(", ")}`,
      ],
    };
  }
  if (head["kind"] !== CONFIG_KIND) return { errors: [`kind: must be ${CONFIG_KIND}`] };
  const schema = credentialProviderConfigSchema({ version, ...options });
  const parsed = schema.safeParse(doc);
  if (!parsed.success) return { errors: parsed.error.issues.flatMap((i) => describeIssue(i, doc)) };
  return {
    apiVersion: parsed.data.apiVersion,
    providers: (parsed.data.providers ?? []).map((p) => toProvider(p as RawProvider)),
  };
}

/** The decoded entry with Go's zero values where the file says nothing or null. */
function toProvider(p: RawProvider): KubeletProvider {
  const strings = (list: (string | null)[] | null | undefined) => (list ?? []).map((s) => s ?? "");
  const audience = p.tokenAttributes?.serviceAccountTokenAudience;
  return {
    name: p.name ?? "",
    matchImages: p.matchImages,
    apiVersion: p.apiVersion,
    args: strings(p.args),
    env: (p.env ?? []).map((e) => ({ name: e?.name ?? "", value: e?.value ?? "" })),
    ...(audience ? { tokenAudience: audience } : {}),
  };
}

/** The fields every version of the schema has, as zod hands them over. */
interface RawProvider {
  name?: string | null | undefined;
  matchImages: string[];
  apiVersion: string;
  args?: (string | null)[] | null | undefined;
  env?: ({ name?: string | null | undefined; value?: string | null | undefined } | null)[] | null;
  /** Only in v1 configs for kubelets 1.33+. */
  tokenAttributes?: { serviceAccountTokenAudience?: string | null | undefined } | null | undefined;
}
