/**
 * Kubernetes annotation keys, the keys of a request's `serviceAccountAnnotations`: apimachinery's
 * IsQualifiedName on the lowercased key (ValidateAnnotations; the kubelet's config validation
 * says "QualifiedName except that case doesn't matter"). Written once for the kubelet-config
 * check, the AWS source's role annotation and the Vault path template.
 */

/** A name part: at most 63 bytes, alphanumerics with '-', '_' or '.' inside. */
const NAME_RE = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
/** A lowercase RFC 1123 subdomain, the optional prefix before '/' (at most 253 bytes). */
const DNS1123_SUBDOMAIN_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Whether `key` is a valid annotation key (case does not matter, as in ValidateAnnotations). */
export function isAnnotationKey(key: string): boolean {
  const parts = key.toLowerCase().split("/");
  if (parts.length > 2) return false;
  const name = parts.pop() ?? "";
  const prefix = parts[0];
  if (prefix !== undefined) {
    if (Buffer.byteLength(prefix) > 253 || !DNS1123_SUBDOMAIN_RE.test(prefix)) return false;
  }
  return Buffer.byteLength(name) <= 63 && NAME_RE.test(name);
}
