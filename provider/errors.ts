/**
 * Every failure pullkey reports carries a stable code (tests and operators key on it), a one-line
 * message that names the thing at fault (image, rule, source, file) and never a secret, and
 * optionally a cause for debugging. Only the top level prints.
 */
export type ErrorCode =
  | "USAGE"
  | "REQUEST_INVALID"
  | "CONFIG_NOT_FOUND"
  | "CONFIG_UNREADABLE"
  | "CONFIG_INVALID"
  | "NO_MATCHING_RULE"
  | "SOURCE_UNREADABLE"
  | "SOURCE_FORMAT"
  | "SOURCE_NO_ENTRY"
  /** The backend could not be reached: connection refused, DNS, timeout of one call. */
  | "SOURCE_UNREACHABLE"
  /** TLS to the backend failed: unknown CA, name mismatch, expired certificate. */
  | "SOURCE_TLS"
  /** The backend rejected pullkey's login (bad role, token, secret id or JWT). */
  | "SOURCE_AUTH_FAILED"
  /** Logged in, but not allowed to read the secret. */
  | "SOURCE_DENIED"
  /** The secret (or the pinned version) does not exist or was deleted. */
  | "SOURCE_NOT_FOUND"
  /** The backend answered but cannot serve now: sealed, throttled, 5xx. */
  | "SOURCE_UNAVAILABLE"
  | "DEADLINE_EXCEEDED"
  | "OUTPUT_FAILED"
  | "INTERNAL";

/**
 * Failures that say nothing about the credential itself: the backend is down, slow, sealed or
 * throttling. Only these are covered by stale credentials and retried. Denied, not found and
 * rejected logins are deliberate answers, so they fail at once.
 */
const TRANSIENT: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  "SOURCE_UNREACHABLE",
  "SOURCE_UNAVAILABLE",
  "DEADLINE_EXCEEDED",
]);

/** Tells whether a failure with this code may be retried or covered by a stale credential. */
export function isTransient(code: ErrorCode): boolean {
  return TRANSIENT.has(code);
}

/** A failure with a stable code and an operator-facing one-line message. */
export class PullkeyError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "PullkeyError";
    this.code = code;
  }
}

/** Returns a copy of the error whose message starts with `context: `, keeping code and cause. */
export function withContext(err: PullkeyError, context: string): PullkeyError {
  return new PullkeyError(err.code, `${context}: ${err.message}`, { cause: err.cause });
}

/** Quotes untrusted text (image names, keys) for a log line: JSON escaping keeps it on one line. */
export function quote(text: string, max = 200): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return JSON.stringify(cut);
}

/** Folds any control or line-separator character so the text stays one log line. */
export function oneLine(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping them is the point
  return text.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, " ").trim();
}

/**
 * The single stderr line for a failure. Errors we did not anticipate print their class and
 * message only: our own code never puts secret material into an Error message, and the places
 * that parse secret payloads throw PullkeyErrors without a cause.
 */
export function errorLine(err: unknown): string {
  if (err instanceof PullkeyError) return `pullkey: ${err.code}: ${oneLine(err.message)}`;
  if (err instanceof Error) {
    return `pullkey: INTERNAL: unexpected ${err.name}: ${oneLine(err.message).slice(0, 300)}`;
  }
  return "pullkey: INTERNAL: unexpected failure";
}
