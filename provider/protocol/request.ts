import { PullkeyError, quote } from "../errors.js";
import {
  API_VERSIONS,
  type ApiVersion,
  type CredentialProviderRequest,
  isApiVersion,
  REQUEST_KIND,
} from "./api.js";

/** The kubelet's requests are a few hundred bytes; anything near this cap is not a kubelet. */
export const MAX_REQUEST_BYTES = 1024 * 1024;

/**
 * The kubelet sends a normalised repository name, which distribution's reference package caps at
 * 255 characters (NameTotalLengthMax). Sixteen times that leaves room for any future kubelet and
 * still refuses a megabyte-long name before any matching runs.
 */
export const MAX_IMAGE_LENGTH = 4096;

const invalid = (message: string) => new PullkeyError("REQUEST_INVALID", message);

/**
 * Decodes the kubelet's CredentialProviderRequest.
 *
 * kind, apiVersion and the known fields are checked strictly; fields we do not know are ignored,
 * because newer kubelets add request fields and an older pullkey must keep answering. Parse errors
 * are reported without the parser's message: V8 quotes the input, and the request may carry a
 * service account token.
 */
export function decodeRequest(bytes: Uint8Array): CredentialProviderRequest {
  if (bytes.length === 0) {
    throw invalid(
      "empty request on stdin: pullkey is run by the kubelet with a CredentialProviderRequest on stdin (to try it by hand, use `pullkey get IMAGE`)",
    );
  }
  if (bytes.length > MAX_REQUEST_BYTES) {
    throw invalid(`request on stdin is larger than ${MAX_REQUEST_BYTES} bytes`);
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw invalid("request on stdin is not UTF-8");
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw invalid("request on stdin is not a single valid JSON document");
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    throw invalid("request on stdin is not a JSON object");
  }
  const fields = doc as Record<string, unknown>;

  const kind = fields["kind"];
  if (kind !== REQUEST_KIND) {
    throw invalid(
      kind === undefined
        ? `request has no kind; expected "${REQUEST_KIND}"`
        : `request kind is ${describe(kind)}; expected "${REQUEST_KIND}"`,
    );
  }
  const apiVersion = fields["apiVersion"];
  if (!isApiVersion(apiVersion)) {
    throw invalid(
      `request apiVersion is ${apiVersion === undefined ? "missing" : describe(apiVersion)}; supported: ${API_VERSIONS.join(", ")}`,
    );
  }
  const image = fields["image"];
  if (typeof image !== "string" || image === "") {
    throw invalid(
      `request has no image (image is ${image === undefined ? "missing" : describe(image)})`,
    );
  }

  if (image.length > MAX_IMAGE_LENGTH) {
    throw invalid(
      `request image is ${image.length} characters long; the kubelet sends repository names of at most 255 characters, and pullkey accepts at most ${MAX_IMAGE_LENGTH}`,
    );
  }

  const request: CredentialProviderRequest = { apiVersion, image };
  // The service account fields exist only in v1; the older types would drop them as unknown.
  if (hasServiceAccountFields(apiVersion)) {
    const token = fields["serviceAccountToken"];
    if (token !== undefined && token !== null) {
      if (typeof token !== "string") throw invalid("request serviceAccountToken is not a string");
      if (token !== "") request.serviceAccountToken = token;
    }
    const annotations = fields["serviceAccountAnnotations"];
    if (annotations !== undefined && annotations !== null) {
      request.serviceAccountAnnotations = decodeAnnotations(annotations);
    }
  }
  return request;
}

function hasServiceAccountFields(apiVersion: ApiVersion): boolean {
  return apiVersion === API_VERSIONS[0];
}

function decodeAnnotations(value: unknown): Record<string, string> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalid("request serviceAccountAnnotations is not an object of strings");
  }
  const out: Record<string, string> = {};
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== "string") {
      throw invalid(`request serviceAccountAnnotations[${quote(key)}] is not a string`);
    }
    out[key] = item;
  }
  return out;
}

/** Names a JSON value's type and, for short strings, the value itself. */
function describe(value: unknown): string {
  if (typeof value === "string") return quote(value, 80);
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return `a ${typeof value}`;
}
