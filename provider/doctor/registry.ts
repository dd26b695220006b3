import { oneLine, quote } from "../errors.js";
import type { RegistryCredential } from "../sources/source.js";
import { type Challenge, parseChallenge } from "./challenge.js";
import { describeNetworkError, type HttpClient, type HttpResponse } from "./http.js";
import { parseRateLimit, type RateLimit } from "./ratelimit.js";
import { type ImageReference, isDockerHub, registryBaseUrl } from "./reference.js";

/** What the registry made of the credentials. */
export interface RegistryCheck {
  ok: boolean;
  summary: string;
  /** From the manifest response, when the flow got that far. */
  rateLimit?: RateLimit;
  dockerHub: boolean;
}

/**
 * The Accept list of a pull: manifest lists and OCI indexes first, so a multi-arch tag answers
 * with its index instead of a 404 from a registry that will not convert it.
 */
export const MANIFEST_ACCEPT = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.docker.distribution.manifest.v2+json",
  "application/vnd.oci.image.manifest.v1+json",
].join(", ");

/**
 * Does what a container runtime does with the credentials pullkey returns (backends.md §A.4):
 * `GET /v2/` for the challenge; for Basic, the credentials on every request; for Bearer, a token
 * from the challenge's realm for `repository:<name>:pull`; then a `HEAD` of the manifest, which
 * Docker Hub does not count as a pull (§A.2). Never puts a password or token into a message.
 */
export async function checkRegistry(
  image: ImageReference,
  credential: RegistryCredential | undefined,
  http: HttpClient,
  signal: AbortSignal,
): Promise<RegistryCheck> {
  const base = registryBaseUrl(image.host);
  const dockerHub = isDockerHub(image.host);
  const secrets = credential ? [credential.password] : [];
  const who = credential ? `user ${quote(credential.username)}` : "anonymous";
  const fail = (summary: string, rateLimit?: RateLimit): RegistryCheck => ({
    ok: false,
    summary: redact(summary, secrets),
    dockerHub,
    ...(rateLimit ? { rateLimit } : {}),
  });
  const send = async (
    method: "GET" | "HEAD",
    url: string,
    headers: Record<string, string> = {},
  ): Promise<HttpResponse | string> => {
    try {
      return await http.request({ method, url, headers }, signal);
    } catch (err) {
      return `${method} ${url}: ${signal.aborted ? "timed out" : describeNetworkError(err)}`;
    }
  };

  const ping = await send("GET", `${base}/v2/`);
  if (typeof ping === "string") return fail(`registry ${image.host} unreachable: ${ping}`);
  let authorization: string | undefined;
  if (ping.status === 401) {
    const challenge = parseChallenge(ping.headers["www-authenticate"]);
    if (!challenge) {
      return fail(
        `registry ${image.host} answered 401 on GET ${base}/v2/ without a Basic or Bearer challenge (${quote(ping.headers["www-authenticate"] ?? "no WWW-Authenticate header", 120)})`,
      );
    }
    if (!credential && challenge.scheme === "basic") {
      return fail(
        `registry ${image.host} asks for credentials (Basic) and pullkey has none for ${image.name}`,
      );
    }
    // Without credentials a Bearer realm may still hand out an anonymous pull token (Docker Hub does).
    const got = await authorize(challenge, image, credential, base, send);
    if (!got.ok) return fail(got.problem.replace("{who}", who));
    authorization = got.authorization;
  } else if (ping.status !== 200) {
    return fail(
      `registry ${image.host} answered ${ping.status} on GET ${base}/v2/${errorDetail(ping)}: is this a registry, and is it up?`,
    );
  }

  const manifestUrl = `${base}/v2/${image.repository}/manifests/${image.reference}`;
  const auth: Record<string, string> = authorization ? { authorization } : {};
  const head = await send("HEAD", manifestUrl, { accept: MANIFEST_ACCEPT, ...auth });
  if (typeof head === "string") return fail(`registry ${image.host} unreachable: ${head}`);
  const rateLimit = parseRateLimit(head.headers);
  const what = `${image.repository}${image.reference.includes(":") ? "@" : ":"}${image.reference}`;
  switch (head.status) {
    case 200: {
      const type = head.headers["content-type"];
      const digest = head.headers["docker-content-digest"];
      const details = [type, digest].filter(Boolean).join(", ");
      return {
        ok: true,
        summary: `${image.host} ${credential ? `accepted the credentials of ${who}` : "allows anonymous pulls"}: HEAD ${what} answered 200${details ? ` (${details})` : ""}`,
        rateLimit,
        dockerHub,
      };
    }
    case 401:
    case 403:
      return fail(
        authorization
          ? `${image.host} accepted the login of ${who} but refused ${what} (${head.status}): the repository does not exist or this account may not pull it`
          : `${image.host} refused ${what} without credentials (${head.status})`,
        rateLimit,
      );
    case 404:
      return fail(await notFound(image, what, base, auth, send), rateLimit);
    case 429:
      return fail(
        `${image.host} is rate-limiting ${who} (429 on HEAD ${what})${
          rateLimit.kind === "limited"
            ? `: ${rateLimit.remaining} of ${rateLimit.limit} pulls left`
            : ""
        }`,
        rateLimit,
      );
    default:
      return fail(`${image.host} answered ${head.status} on HEAD ${what}`, rateLimit);
  }
}

/** The usual Docker Hub mistakes with access tokens (backends.md §A.5). */
const DOCKER_HUB_USERNAME_HINT =
  "; Docker Hub wants the Docker ID as username with a personal access token, and the organization name with an organization access token";

type Send = (
  method: "GET" | "HEAD",
  url: string,
  headers?: Record<string, string>,
) => Promise<HttpResponse | string>;

/** The Authorization header for the challenge, or why there is none. `{who}` names the account. */
async function authorize(
  challenge: Challenge,
  image: ImageReference,
  credential: RegistryCredential | undefined,
  base: string,
  send: Send,
): Promise<{ ok: true; authorization: string } | { ok: false; problem: string }> {
  const basic = credential
    ? `Basic ${Buffer.from(`${credential.username}:${credential.password}`).toString("base64")}`
    : undefined;
  if (challenge.scheme === "basic") {
    if (!basic) return { ok: false, problem: `${image.host} asks for credentials (Basic)` };
    const check = await send("GET", `${base}/v2/`, { authorization: basic });
    if (typeof check === "string") return { ok: false, problem: `registry unreachable: ${check}` };
    if (check.status === 200) return { ok: true, authorization: basic };
    if (check.status === 401) {
      return {
        ok: false,
        problem: `${image.host} rejected the credentials of {who} (Basic auth, 401 on GET ${base}/v2/): wrong username or password`,
      };
    }
    return {
      ok: false,
      problem: `${image.host} answered ${check.status} to {who} on GET ${base}/v2/${errorDetail(check)}`,
    };
  }
  let realm: URL;
  try {
    realm = new URL(challenge.realm);
  } catch {
    return { ok: false, problem: `the Bearer realm ${quote(challenge.realm)} is not a URL` };
  }
  if (challenge.service !== undefined) realm.searchParams.set("service", challenge.service);
  realm.searchParams.set("scope", `repository:${image.repository}:pull`);
  const tokenUrl = realm.toString();
  const answer = await send("GET", tokenUrl, basic ? { authorization: basic } : {});
  const where = `token server ${realm.origin}${realm.pathname}`;
  if (typeof answer === "string") return { ok: false, problem: `${where} unreachable: ${answer}` };
  if (answer.status === 401 || answer.status === 403) {
    return {
      ok: false,
      problem: `${where} rejected the credentials of {who} (${answer.status}${errorDetail(answer)}): wrong username or password/token${
        isDockerHub(image.host) ? DOCKER_HUB_USERNAME_HINT : ""
      }`,
    };
  }
  if (answer.status !== 200) {
    return { ok: false, problem: `${where} answered ${answer.status}${errorDetail(answer)}` };
  }
  let token: unknown;
  try {
    const doc = JSON.parse(answer.body) as { token?: unknown; access_token?: unknown };
    token = doc.token ?? doc.access_token;
  } catch {
    token = undefined;
  }
  if (typeof token !== "string" || token === "") {
    return { ok: false, problem: `${where} answered 200 without a token` };
  }
  return { ok: true, authorization: `Bearer ${token}` };
}

/** Tells an unknown repository from an unknown tag: the tag list does not count as a pull. */
async function notFound(
  image: ImageReference,
  what: string,
  base: string,
  auth: Record<string, string>,
  send: Send,
): Promise<string> {
  const tags = await send("GET", `${base}/v2/${image.repository}/tags/list`, auth);
  if (typeof tags !== "string" && tags.status === 404) {
    return `${image.host} has no repository ${quote(image.repository)} (404 on HEAD ${what}${errorDetail(tags)})`;
  }
  if (typeof tags !== "string" && tags.status === 200) {
    let known: string[] = [];
    try {
      const doc = JSON.parse(tags.body) as { tags?: unknown };
      if (Array.isArray(doc.tags)) known = doc.tags.filter((t) => typeof t === "string");
    } catch {}
    const listed = known.length
      ? `; it has ${known
          .slice(0, 5)
          .map((t) => quote(t, 60))
          .join(", ")}${known.length > 5 ? ", …" : ""}`
      : "";
    return `${image.host} has repository ${quote(image.repository)} but no manifest ${quote(image.reference)} (404 on HEAD ${what})${listed}`;
  }
  return `${image.host} has no manifest ${what} (404): the repository or the tag does not exist`;
}

/** `: CODE message` from a distribution error body, when there is one. */
function errorDetail(response: HttpResponse): string {
  try {
    const doc = JSON.parse(response.body) as {
      errors?: { code?: unknown; message?: unknown }[];
      details?: unknown;
    };
    const first = doc.errors?.[0];
    if (first) {
      const text = [first.code, first.message].filter((p) => typeof p === "string").join(" ");
      if (text) return `: ${oneLine(text).slice(0, 160)}`;
    }
    if (typeof doc.details === "string") return `: ${oneLine(doc.details).slice(0, 160)}`;
  } catch {}
  return "";
}

/** Removes secret values from text that quotes a server: a server could echo what it was sent. */
function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join("<redacted>");
  }
  return out;
}
