import { PullkeyError, quote } from "../../errors.js";
import { isAnnotationKey } from "../../protocol/annotation-key.js";

/**
 * Secret path templates for KEP-4412 mode: `teams/{{namespace}}/{{serviceAccount}}` or
 * `pull/{{annotation "example.io/vault-secret"}}`. The values come from the request (the pod's
 * service account and its annotations), so each must be one plain path segment: a value can
 * never leave the configured prefix, and the address and mounts never come from a template.
 */
export type TemplatePart =
  | { kind: "literal"; text: string }
  | { kind: "namespace" }
  | { kind: "serviceAccount" }
  | { kind: "annotation"; key: string };

/** What a rendered template may draw on: the pod's service account, when the kubelet sent one. */
export interface TemplateValues {
  namespace: string;
  serviceAccount: string;
  annotations: Readonly<Record<string, string>>;
}

const PLACEHOLDER = /\{\{\s*(.*?)\s*\}\}/g;
// Literal text: Vault path characters only; %, \ and control characters have no place in one.
const LITERAL = /^[A-Za-z0-9_.\-/]*$/;
// A substituted value: one segment that cannot be `.` or `..` and carries no separator or escape.
const SAFE_VALUE = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,252}$/;

/** Parses a template; returns the parts or a message saying what is wrong with it. */
export function parsePathTemplate(template: string): TemplatePart[] | string {
  const parts: TemplatePart[] = [];
  let last = 0;
  for (const match of template.matchAll(PLACEHOLDER)) {
    if (match.index > last)
      parts.push({ kind: "literal", text: template.slice(last, match.index) });
    const inner = match[1] ?? "";
    const annotation = /^annotation\s+"([^"]*)"$/.exec(inner);
    if (inner === "namespace" || inner === "serviceAccount") {
      parts.push({ kind: inner });
    } else if (annotation) {
      const key = annotation[1] ?? "";
      if (!isAnnotationKey(key)) return `${quote(key)} is not an annotation key`;
      parts.push({ kind: "annotation", key });
    } else {
      return `unknown placeholder {{${inner}}}; use {{namespace}}, {{serviceAccount}} or {{annotation "key"}}`;
    }
    last = match.index + match[0].length;
  }
  if (last < template.length) parts.push({ kind: "literal", text: template.slice(last) });
  for (const part of parts) {
    if (part.kind !== "literal") continue;
    if (part.text.includes("{{") || part.text.includes("}}")) return "has an unclosed {{ or }}";
    if (!LITERAL.test(part.text)) {
      return "may contain only letters, digits, '_', '-', '.', '/' and placeholders";
    }
  }
  // Checked with stand-in values, so a template that would always render badly fails at load.
  const problem = segmentProblem(
    parts.map((part) => (part.kind === "literal" ? part.text : "x")).join(""),
  );
  return problem ?? parts;
}

/** Whether rendering needs the pod's service account (KEP-4412 mode). */
export function usesServiceAccount(parts: readonly TemplatePart[]): boolean {
  return parts.some((part) => part.kind !== "literal");
}

/**
 * Renders a parsed template. Every request-supplied value must be one safe segment (no `/`, `%`,
 * `..`, control characters or empty value); anything else is refused, never cleaned up, so a
 * crafted annotation cannot reach a neighbour's secret.
 */
export function renderPathTemplate(
  parts: readonly TemplatePart[],
  values: TemplateValues | undefined,
): string {
  return parts
    .map((part) => {
      if (part.kind === "literal") return part.text;
      if (!values) {
        throw new PullkeyError(
          "REQUEST_INVALID",
          "the secret path uses the pod's service account, but the kubelet sent none; give the kubelet's provider tokenAttributes (KEP-4412)",
        );
      }
      const [what, value] =
        part.kind === "namespace"
          ? ["service account namespace", values.namespace]
          : part.kind === "serviceAccount"
            ? ["service account name", values.serviceAccount]
            : [`service account annotation ${quote(part.key)}`, values.annotations[part.key]];
      if (value === undefined) {
        throw new PullkeyError(
          "REQUEST_INVALID",
          `the secret path needs ${what}, which the kubelet did not send; list it in tokenAttributes.requiredServiceAccountAnnotationKeys`,
        );
      }
      if (!SAFE_VALUE.test(value)) {
        throw new PullkeyError(
          "REQUEST_INVALID",
          `${what} ${quote(value, 80)} is not a safe secret path segment (letters, digits, '_', '-', '.'; not starting with '.'); refused`,
        );
      }
      return value;
    })
    .join("");
}

/** Why a rendered path is not a clean relative Vault path, or undefined when it is. */
export function segmentProblem(path: string): string | undefined {
  if (path === "") return "is empty";
  const segments = path.split("/");
  if (segments.some((s) => s === ""))
    return "has an empty segment (a leading, trailing or double '/')";
  if (segments.some((s) => s === "." || s === "..")) return "has a '.' or '..' segment";
  return undefined;
}
