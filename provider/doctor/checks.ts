/**
 * Every line `pullkey doctor` can print, in report order: `doctor --help` is rendered from this
 * list, and a test holds it to the ids the checks use, so the help cannot miss a check again.
 */
export interface CheckHelp {
  /** The ids the line stands for (rule, source and credentials share one entry). */
  ids: readonly string[];
  /** What it looks at, wrapped to fit the help's right column. */
  about: readonly string[];
}

export const DOCTOR_CHECKS: readonly CheckHelp[] = [
  {
    ids: ["kubelet-flags"],
    about: [
      "--image-credential-provider-config and --image-credential-provider-bin-dir",
      "on the kubelet's command line as its unit, drop-ins and environment files",
      "(or k3s/RKE2 config) give it, and which file and line set each; compared",
      "with the running kubelet's; skip off a node",
    ],
  },
  { ids: ["kubelet-config"], about: ["the CredentialProviderConfig is there and valid"] },
  {
    ids: ["kubelet-provider"],
    about: ["it has pullkey's provider (the installed --name) whose matchImages match IMAGE"],
  },
  {
    ids: ["kubelet-token-audience"],
    about: [
      "only with tokenAttributes: the kubelet's own credentials may request service",
      "account tokens for the entry's audience (a SelfSubjectAccessReview)",
    ],
  },
  { ids: ["kubelet-binary"], about: ["<bin-dir>/<name> exists and is executable"] },
  {
    ids: ["config"],
    about: [
      "pullkey's config (--config, $PULLKEY_CONFIG, the kubelet entry's --config,",
      "else /etc/pullkey/config.yaml) is valid",
    ],
  },
  { ids: ["cache"], about: ["the node-local cache folder, read without creating it (warn only)"] },
  {
    ids: ["metrics"],
    about: ["only with metrics.textfile: its folder is writable, when it was last written"],
  },
  { ids: ["image"], about: ["skip when no IMAGE is given: the checks below need one"] },
  {
    ids: ["rule", "source", "credentials"],
    about: ["the rule for IMAGE, and a fetch from its source, past the node cache"],
  },
  {
    ids: ["registry"],
    about: [
      "the registry accepts the credentials: /v2/ challenge, Basic or Bearer token,",
      "HEAD of the manifest (not counted as a Docker Hub pull)",
    ],
  },
  { ids: ["ratelimit"], about: ["Docker Hub's pulls left (no headers: not limited)"] },
];

const COLUMN = 20;

/** The checks as `doctor --help` lists them: ids on the left, what each looks at beside them. */
export function renderCheckHelp(checks: readonly CheckHelp[] = DOCTOR_CHECKS): string {
  const lines: string[] = [];
  for (const { ids, about } of checks) {
    const label = `  ${ids.join(", ")}`;
    const [first, ...rest] = about;
    if (label.length + 2 <= COLUMN) lines.push(`${label.padEnd(COLUMN)}${first}`);
    else lines.push(label, `${" ".repeat(COLUMN)}${first}`);
    for (const line of rest) lines.push(`${" ".repeat(COLUMN)}${line}`);
  }
  return `${lines.join("\n")}\n`;
}
