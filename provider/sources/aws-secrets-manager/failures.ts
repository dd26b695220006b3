import { type ErrorCode, PullkeyError } from "../../errors.js";
import { networkWords, tlsWords } from "../../net-errors.js";

/** Which call failed: getting role credentials from STS, or reading the secret. */
export type AwsCall = "sts" | "secretsManager";

/** What an SDK v3 error carries; also what Node network errors carry. */
interface SdkErrorLike {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  /** Set on errors the service sent (client or server fault), absent on transport errors. */
  $fault?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

/** What describeAwsFailure needs to know about the failed call. */
export interface FailureContext {
  call: AwsCall;
  /** Names secret, region and role: `Secrets Manager secret "x" (region r, role ...)`. */
  label: string;
  /** The endpoint called, for network failures. */
  endpoint: string;
  /** Says which version was asked for, for "not found". */
  version: string;
  /** The exec's deadline passed. */
  aborted: boolean;
  /** Values that must never be printed (the service account token). */
  secrets: readonly string[];
}

// Branch on the error name, never on the HTTP status: AWS answers ResourceNotFoundException with
// 400 where moto answers 404 (shared/reference/backends.md §D.1). Names from the Secrets Manager
// and STS API references and the SDK's retry classification (throttling).
const NOT_FOUND = new Set(["ResourceNotFoundException"]);
// A secret scheduled for deletion answers InvalidRequestException: for a pull it is gone.
const SCHEDULED_FOR_DELETION = new Set(["InvalidRequestException"]);
const DENIED = new Set(["AccessDeniedException", "AccessDenied"]);
const AUTH = new Set([
  "ExpiredToken",
  "ExpiredTokenException",
  "InvalidIdentityToken",
  "IDPRejectedClaim",
  "InvalidClientTokenId",
  "UnrecognizedClientException",
  "InvalidSignatureException",
  "SignatureDoesNotMatch",
  "IncompleteSignature",
  "MissingAuthenticationToken",
  "RegionDisabledException",
  // The default chain found no credentials (env, shared config, web identity file, container, IMDS).
  "CredentialsProviderError",
]);
const THROTTLED = new Set([
  "ThrottlingException",
  "Throttling",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "RequestThrottled",
  "RequestThrottledException",
  "PriorRequestNotComplete",
]);
const UNAVAILABLE = new Set([
  "InternalServiceError",
  "InternalFailure",
  "ServiceUnavailable",
  "ServiceUnavailableException",
  "IDPCommunicationError",
]);
const INVALID = new Set(["InvalidParameterException", "ValidationException", "ValidationError"]);

/**
 * Turns an SDK or network failure into one PullkeyError whose line names the secret, region and
 * role, the AWS error name and, for service errors, AWS's own message (it names the principal and
 * the missing permission), with any secret value cut out. Pure, so every branch has a table row.
 */
export function describeAwsFailure(err: unknown, ctx: FailureContext): PullkeyError {
  const e = (typeof err === "object" && err !== null ? err : {}) as SdkErrorLike;
  const name = typeof e.name === "string" ? e.name : "Error";
  const code = typeof e.code === "string" ? e.code : undefined;
  const status =
    typeof e.$metadata?.httpStatusCode === "number" ? e.$metadata.httpStatusCode : undefined;
  const service = ctx.call === "sts" ? "STS" : "Secrets Manager";
  const said = awsMessage(e.message, ctx.secrets);
  // detail: AWS's message by default; null leaves it out (it adds nothing or is not AWS's).
  const fail = (errorCode: ErrorCode, what: string, detail: string | null | undefined = said) =>
    new PullkeyError(
      errorCode,
      `${ctx.label}: ${what} (${name}${status === undefined ? "" : `, HTTP ${status}`})${detail ? `: ${detail}` : ""}`,
      { cause: err },
    );

  if (ctx.aborted || name === "AbortError") {
    return new PullkeyError(
      "DEADLINE_EXCEEDED",
      `${ctx.label}: ${service} did not answer before the exec's deadline`,
      { cause: err },
    );
  }
  if (NOT_FOUND.has(name)) {
    return fail(
      "SOURCE_NOT_FOUND",
      `Secrets Manager has no such secret or no ${ctx.version}`,
      null,
    );
  }
  if (SCHEDULED_FOR_DELETION.has(name)) {
    return fail(
      "SOURCE_NOT_FOUND",
      "Secrets Manager refused to read the secret (is it scheduled for deletion?)",
    );
  }
  if (DENIED.has(name)) {
    return ctx.call === "sts"
      ? fail(
          "SOURCE_AUTH_FAILED",
          "STS refused to let these credentials assume the role; check the role's trust policy",
        )
      : fail(
          "SOURCE_DENIED",
          "access denied; the credentials need secretsmanager:GetSecretValue on the secret (and kms:Decrypt on a customer-managed key)",
        );
  }
  if (name === "DecryptionFailure") {
    return fail(
      "SOURCE_UNAVAILABLE",
      "Secrets Manager could not decrypt the secret with its KMS key; check that the key is enabled and the credentials have kms:Decrypt on it",
    );
  }
  if (AUTH.has(name)) {
    return name === "CredentialsProviderError"
      ? fail(
          "SOURCE_AUTH_FAILED",
          "no AWS credentials found (environment, shared config, web identity token file, container or instance metadata)",
          null,
        )
      : fail("SOURCE_AUTH_FAILED", `${service} rejected the credentials`);
  }
  if (THROTTLED.has(name)) return fail("SOURCE_UNAVAILABLE", `${service} is throttling requests`);
  if (UNAVAILABLE.has(name))
    return fail("SOURCE_UNAVAILABLE", `${service} cannot serve the request now`);
  if (INVALID.has(name)) {
    return fail(
      "CONFIG_INVALID",
      `${service} rejected the request as invalid; check the source's settings`,
    );
  }
  if (code !== undefined && tlsWords(code) !== undefined) {
    return new PullkeyError("SOURCE_TLS", `${ctx.label}: TLS to ${ctx.endpoint} failed (${code})`, {
      cause: err,
    });
  }
  // smithy names every retryable socket error TimeoutError, a reset included: the code says
  // what happened, the name only says the SDK would retry it.
  const words = code === undefined ? undefined : networkWords(code);
  if (name === "TimeoutError" || words !== undefined) {
    const what =
      code === undefined || code === "ETIMEDOUT"
        ? " (no answer in time)"
        : words === undefined
          ? ` (${code})`
          : `: ${words} (${code})`;
    return new PullkeyError(
      "SOURCE_UNREACHABLE",
      `${ctx.label}: cannot reach ${service} at ${ctx.endpoint}${what}`,
      { cause: err },
    );
  }
  // An error name we do not know: the status decides, and AWS's message says the rest.
  if (status !== undefined && e.$fault !== undefined) {
    const what = `${service} answered with an error`;
    if (status === 401) return fail("SOURCE_AUTH_FAILED", what);
    if (status === 403)
      return fail(ctx.call === "sts" ? "SOURCE_AUTH_FAILED" : "SOURCE_DENIED", what);
    if (status === 404) return fail("SOURCE_NOT_FOUND", what);
    return fail("SOURCE_UNAVAILABLE", what);
  }
  // An answer that is not an AWS error at all (a proxy's HTML page, moto's XML for a JSON API):
  // only the status is known, and the SDK's parse error names nothing useful.
  if (status !== undefined) {
    const [errorCode, what]: [ErrorCode, string] =
      status === 401
        ? ["SOURCE_AUTH_FAILED", "authentication failed"]
        : status === 403
          ? [ctx.call === "sts" ? "SOURCE_AUTH_FAILED" : "SOURCE_DENIED", "access denied"]
          : status === 404
            ? ["SOURCE_NOT_FOUND", "not found"]
            : ["SOURCE_UNAVAILABLE", "unavailable"];
    return new PullkeyError(
      errorCode,
      `${ctx.label}: ${what}: ${service} answered HTTP ${status} with a body that is not an AWS error`,
      { cause: err },
    );
  }
  return new PullkeyError(
    "SOURCE_UNREACHABLE",
    `${ctx.label}: the request to ${service} at ${ctx.endpoint} failed before an answer (${code ?? name})`,
    { cause: err },
  );
}

/** AWS's message, one line, capped, with the given secrets and anything JWT-shaped removed. */
function awsMessage(message: unknown, secrets: readonly string[]): string | undefined {
  if (typeof message !== "string" || message === "") return undefined;
  let text = message;
  for (const secret of secrets) {
    if (secret !== "") text = text.split(secret).join("<redacted>");
  }
  text = text.replace(/eyJ[\w-]*\.[\w-]*\.?[\w-]*/g, "<redacted>");
  // biome-ignore lint/suspicious/noControlCharactersInRegex: folding them keeps one log line
  text = text.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, " ").trim();
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
