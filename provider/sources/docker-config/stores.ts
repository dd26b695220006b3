import { PullkeyError, quote } from "../../errors.js";
import { normaliseRegistryKey } from "../shapes/dockerconfigjson.js";

/**
 * docker's server address for Docker Hub (`registry.IndexServer` in docker/docker): the key it
 * looks up in `credHelpers` and the URL it writes to a helper for every Docker Hub image.
 */
export const DOCKER_HUB_SERVER = "https://index.docker.io/v1/";

/** The credential stores a docker config names, as docker reads them. */
export interface CredentialStores {
  /** `credsStore`: the helper for every registry without a `credHelpers` entry ("" = none). */
  credsStore?: string;
  /** `credHelpers`: server address → helper name, as written in the file. */
  credHelpers: Readonly<Record<string, string>>;
}

/** Which helper docker would run for a registry, and what it writes to its stdin. */
export interface HelperChoice {
  name: string;
  /** How the config names it, for messages: `credsStore "pass"`, `credHelpers["gcr.io"] "gcloud"`. */
  via: string;
  serverURL: string;
}

// A helper name becomes part of a file name looked up in fixed folders, never a path.
const HELPER_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,99}$/;

/**
 * Reads `credsStore` and `credHelpers` from a decoded docker config. Wrong types fail like a
 * broken file would in docker; a name that could reach outside the helper folder is refused.
 */
export function readCredentialStores(doc: Record<string, unknown>, what: string): CredentialStores {
  const store = doc["credsStore"];
  if (store !== undefined && typeof store !== "string") {
    throw new PullkeyError("SOURCE_FORMAT", `${what}: "credsStore" is not a string`);
  }
  const helpers = doc["credHelpers"] ?? {};
  if (typeof helpers !== "object" || helpers === null || Array.isArray(helpers)) {
    throw new PullkeyError("SOURCE_FORMAT", `${what}: "credHelpers" is not an object`);
  }
  const credHelpers: Record<string, string> = {};
  for (const [key, name] of Object.entries(helpers)) {
    if (typeof name !== "string") {
      throw new PullkeyError(
        "SOURCE_FORMAT",
        `${what}: credHelpers[${quote(key)}] is not a string`,
      );
    }
    checkHelperName(name, `credHelpers[${quote(key)}]`, what);
    credHelpers[key] = name;
  }
  if (store) checkHelperName(store, '"credsStore"', what);
  return store ? { credsStore: store, credHelpers } : { credHelpers };
}

function checkHelperName(name: string, field: string, what: string): void {
  if (!HELPER_NAME.test(name)) {
    throw new PullkeyError(
      "SOURCE_FORMAT",
      `${what}: ${field} ${quote(name)} is not a credential helper name (docker runs docker-credential-<name>; letters, digits, ".", "_", "+", "-")`,
    );
  }
}

/** True when the config names any helper at all. */
export function hasHelpers(stores: CredentialStores): boolean {
  return Boolean(stores.credsStore) || Object.keys(stores.credHelpers).length > 0;
}

/**
 * The server address docker uses for a registry: Docker Hub's index URL for any Docker Hub
 * spelling, otherwise the host[:port] (docker/cli `ResolveAuthConfig`: `index.Name`, or
 * `registry.IndexServer` for the official index). A path is dropped: helpers are per host.
 * Unlike docker, Docker Hub's API host (`registry-1.docker.io`, which the kubelet passes on as
 * written) also asks for the index URL: it is the same service, and `auths` treats it so too.
 */
export function serverURLFor(registry: string): string {
  const host = normaliseRegistryKey(registry).split("/")[0] ?? "";
  return host === "docker.io" ? DOCKER_HUB_SERVER : host;
}

/**
 * docker's precedence (docker/cli configfile `getConfiguredCredentialStore`): a `credHelpers`
 * entry for the exact server address, else `credsStore`, else undefined (the `auths` entries).
 * When a helper is chosen, docker ignores inline `auths` credentials for that registry.
 */
export function chooseHelper(stores: CredentialStores, registry: string): HelperChoice | undefined {
  const serverURL = serverURLFor(registry);
  const own = stores.credHelpers[serverURL];
  if (own !== undefined) {
    return { name: own, via: `credHelpers[${quote(serverURL)}] ${quote(own)}`, serverURL };
  }
  if (stores.credsStore) {
    return { name: stores.credsStore, via: `credsStore ${quote(stores.credsStore)}`, serverURL };
  }
  return undefined;
}

/**
 * `credHelpers` keys docker never looks up, because they are not what `serverURLFor` yields for
 * any image: a scheme or path on a registry (`https://ghcr.io`), or Docker Hub spelled other than
 * its index URL (`docker.io`). Each is returned with the key docker does use.
 */
export function unusedHelperKeys(stores: CredentialStores): { key: string; use: string }[] {
  return Object.keys(stores.credHelpers).flatMap((key) => {
    const use = serverURLFor(key);
    return use === key ? [] : [{ key, use }];
  });
}
