import { PullkeyError, quote } from "../../errors.js";
import { describeFsError } from "../../files.js";
import type { RegistryCredential } from "../source.js";
import type { HelperRun } from "./helper-exec.js";
import { helperFile } from "./helper-path.js";
import type { HelperChoice } from "./stores.js";

// docker-credential-helpers `credentials.ErrCredentialsNotFound`, printed on stdout with exit 1.
const NOT_FOUND_TEXT = "credentials not found in native keychain";
// docker/cli `tokenUsername`: the Secret is then an identity token, not a password.
const TOKEN_USERNAME = "<token>";

/** What a helper said: a credential, or that it has none for this server. */
export type HelperAnswer = { credential: RegistryCredential } | { notFound: true };

/**
 * Judges one helper run the way docker's credential-helpers client does. Messages name the
 * helper, the config field that chose it, the server URL and the docker config; they never
 * quote the helper's output, which may hold the secret (stderr is not even kept).
 */
export function helperAnswer(run: HelperRun, choice: HelperChoice, what: string): HelperAnswer {
  const helper = `${helperFile(choice.name)} (${choice.via} in ${what})`;
  const server = quote(choice.serverURL);
  if (run.startError !== undefined) {
    throw new PullkeyError(
      "SOURCE_UNREADABLE",
      `cannot run ${helper} for ${server}: ${describeFsError(run.startError)}`,
    );
  }
  if (run.aborted) {
    throw new PullkeyError(
      "DEADLINE_EXCEEDED",
      `${helper} did not answer for ${server} before the exec's time budget ran out; it was killed`,
    );
  }
  if (run.overflow) {
    throw new PullkeyError(
      "SOURCE_FORMAT",
      `${helper} printed more than 1 MiB on ${run.overflow} for ${server}; it was killed`,
    );
  }
  const out = run.stdout.toString("utf8");
  if (run.status !== 0) {
    if (run.status === 1 && out.trim() === NOT_FOUND_TEXT) return { notFound: true };
    const how = run.signal
      ? `was killed by ${run.signal}`
      : `failed with exit status ${run.status}`;
    throw new PullkeyError(
      "SOURCE_UNAVAILABLE",
      `${helper} ${how} for ${server} (its output is not shown, it may hold secrets; run \`printf %s ${choice.serverURL} | ${helperFile(choice.name)} get\` on the node to see it)`,
    );
  }
  const answer = parseAnswer(out);
  if (!answer) {
    throw new PullkeyError(
      "SOURCE_FORMAT",
      `${helper} answered for ${server} with something that is not the credential helper JSON {"ServerURL","Username","Secret"}`,
    );
  }
  // Older helpers (docker-credential-pass 0.6) answer a missing entry with exit 0 and empties.
  if (answer.username === "" && answer.secret === "") return { notFound: true };
  if (answer.username === TOKEN_USERNAME) {
    throw new PullkeyError(
      "SOURCE_FORMAT",
      `${helper} holds only an identity token for ${server}, which the kubelet's credential API cannot carry; log in with a username and password (or access token) instead`,
    );
  }
  return { credential: { username: answer.username, password: answer.secret } };
}

function parseAnswer(out: string): { username: string; secret: string } | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(out);
  } catch {
    return undefined;
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) return undefined;
  const { Username: username = "", Secret: secret } = doc as Record<string, unknown>;
  if (typeof username !== "string" || typeof secret !== "string") return undefined;
  return { username, secret };
}

/**
 * The one line for a helper that is not on the node. Helpers that only exist on a desktop
 * (Docker Desktop, macOS keychain, Windows) get advice to move the credential into the file.
 */
export function missingHelperMessage(
  choice: Pick<HelperChoice, "name" | "via">,
  what: string,
  dirs: readonly string[],
  untrusted?: { path: string; why: string },
): string {
  const file = helperFile(choice.name);
  const where = untrusted
    ? `${file}, but ${untrusted.path} is not trusted (${untrusted.why}; pullkey runs it as root)`
    : `${file}, which is not in ${dirs.join(":")}`;
  const inFile =
    'or keep the credential in the file: remove "credsStore"/"credHelpers" and add an auths entry with "auth" (what docker login writes with no credential store)';
  const desktop = ["desktop", "osxkeychain", "wincred", "desktop.exe", "wincred.exe"];
  const advice = desktop.includes(choice.name)
    ? `${file} is the keychain of the machine that ran docker login and does not exist on a Linux node: ${inFile.slice(3)}, or use the static source`
    : choice.name === "pass" || choice.name === "secretservice"
      ? `install it (Debian/Ubuntu: golang-docker-credential-helpers) or set credentialHelperDir, ${inFile}`
      : `install it there or set credentialHelperDir to its folder, ${inFile}`;
  return `${what}: ${choice.via} needs ${where}; ${advice}`;
}
