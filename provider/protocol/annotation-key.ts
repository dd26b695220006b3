/**
 * Kubernetes annotation keys, the keys of a request's `serviceAccountAnnotations`: apimachinery's
 * IsQualifiedName on the lowercased key (ValidateAnnotations; the kubelet's config validation
 * says "QualifiedName except that case doesn't matter"). Written once for the kubelet-config
 * check, the AWS source's role annotation and the Vault path template.
 */

const NAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const NAME_MSG =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const DNS1123_SUBDOMAIN_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
const DNS1123_SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const NAME_RE = new RegExp(`^${NAME_FMT}$`);
const DNS1123_SUBDOMAIN_RE = new RegExp(`^${DNS1123_SUBDOMAIN_FMT}$`);

function regexError(msg: string, fmt: string, ...examples: string[]): string {
  return `${msg} (e.g. ${examples.map((e) => `'${e}', `).join(" or ")}regex used for validation is '${fmt}')`;
}

/**
 * apimachinery's IsQualifiedName (content.IsLabelKey in 1.37): a name of at most 63 bytes, with
 * an optional DNS subdomain prefix of at most 253 bytes and a "/". Returns its messages (1.37's
 * wording), empty when the value is valid.
 */
export function qualifiedNameErrors(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split("/");
  let name: string;
  if (parts.length === 1) {
    name = parts[0] ?? "";
  } else if (parts.length === 2) {
    const prefix = parts[0] ?? "";
    name = parts[1] ?? "";
    if (prefix.length === 0) {
      errs.push("prefix part must be non-empty");
    } else {
      if (Buffer.byteLength(prefix) > 253) errs.push("prefix part must be no more than 253 bytes");
      if (!DNS1123_SUBDOMAIN_RE.test(prefix)) {
        errs.push(
          `prefix part ${regexError(DNS1123_SUBDOMAIN_MSG, DNS1123_SUBDOMAIN_FMT, "example.com")}`,
        );
      }
    }
  } else {
    return [
      `a valid label key ${regexError(NAME_MSG, NAME_FMT, "MyName", "my.name", "123-abc")} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  if (name.length === 0) errs.push("name part must be non-empty");
  else if (Buffer.byteLength(name) > 63) errs.push("name part must be no more than 63 bytes");
  if (!NAME_RE.test(name)) {
    errs.push(`name part ${regexError(NAME_MSG, NAME_FMT, "MyName", "my.name", "123-abc")}`);
  }
  return errs;
}

/** Whether `key` is a valid annotation key (case does not matter, as in ValidateAnnotations). */
export function isAnnotationKey(key: string): boolean {
  return qualifiedNameErrors(key.toLowerCase()).length === 0;
}
