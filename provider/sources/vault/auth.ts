import { resolve } from "node:path";
import { PullkeyError } from "../../errors.js";
import { readNamedFile } from "../../files.js";
import { sha256Hex } from "../../sha256.js";
import type { ServiceAccountContext, SourceDeps } from "../source.js";
import type { LoginMethod, VaultResponse } from "./client.js";
import { DEFAULT_AUTH_MOUNTS } from "./describe.js";
import type { ServiceAccountIdentity } from "./service-account.js";
import type { VaultAuthSpec } from "./spec.js";

/** The standard variable for a ready Vault token, read at call time. */
export const VAULT_TOKEN_ENV = "VAULT_TOKEN";

/** Either a ready token (token auth) or a login to perform. */
export type Credentials =
  | { kind: "token"; token: string }
  | {
      kind: "login";
      method: LoginMethod;
      mount: string;
      body: Record<string, string>;
      /** What makes two logins interchangeable; hashed into the stored token's file name. */
      identity: Record<string, unknown>;
    };

/**
 * Gathers what the auth method needs: files are read on every call (a rotated secret_id or
 * projected token applies at once), the pod's token comes from the request in KEP-4412 mode.
 */
export async function gatherCredentials(
  auth: VaultAuthSpec,
  deps: Pick<SourceDeps, "baseDir" | "readFile" | "env">,
  serviceAccount: { context: ServiceAccountContext; identity: ServiceAccountIdentity } | undefined,
  tls: { cert?: Uint8Array | undefined },
): Promise<Credentials> {
  const read = async (path: string, what: string) => {
    const file = resolve(deps.baseDir, path);
    const bytes = await readNamedFile(deps.readFile, file, what, "SOURCE_UNREADABLE");
    // Agents and editors end files with a newline; Vault trims AppRole ids the same way.
    const text = Buffer.from(bytes).toString("utf8").trim();
    if (text === "") throw new PullkeyError("SOURCE_FORMAT", `${what} ${file} is empty`);
    return text;
  };
  switch (auth.method) {
    case "token": {
      if (auth.token !== undefined) return { kind: "token", token: auth.token };
      if (auth.tokenFile !== undefined) {
        return { kind: "token", token: await read(auth.tokenFile, "Vault token file") };
      }
      const token = deps.env[VAULT_TOKEN_ENV];
      if (!token) {
        throw new PullkeyError(
          "CONFIG_INVALID",
          `vault auth method token has no token: set auth.token or auth.tokenFile, or ${VAULT_TOKEN_ENV} in the kubelet's environment`,
        );
      }
      return { kind: "token", token };
    }
    case "appRole": {
      const mount = auth.mount ?? DEFAULT_AUTH_MOUNTS.appRole;
      const roleId = await read(auth.roleIdFile, "AppRole role_id file");
      const secretId =
        auth.secretIdFile === undefined
          ? undefined
          : await read(auth.secretIdFile, "AppRole secret_id file");
      return {
        kind: "login",
        method: "approle",
        mount,
        body: { role_id: roleId, ...(secretId === undefined ? {} : { secret_id: secretId }) },
        identity: { method: "appRole", mount, roleId: digest(roleId) },
      };
    }
    case "jwt":
    case "kubernetes": {
      const mount = auth.mount ?? DEFAULT_AUTH_MOUNTS[auth.method];
      let jwt: string;
      let who: Record<string, unknown>;
      if (auth.tokenFile !== undefined) {
        jwt = await read(auth.tokenFile, "service account token file");
        who = { tokenFile: resolve(deps.baseDir, auth.tokenFile) };
      } else {
        if (!serviceAccount) {
          throw new PullkeyError(
            "REQUEST_INVALID",
            `${auth.method} auth uses the pod's service account token, but the kubelet sent none; give the kubelet's provider tokenAttributes (KEP-4412) with requireServiceAccount: true`,
          );
        }
        jwt = serviceAccount.context.token;
        // One stored Vault token per service account (a recreated account has a new uid).
        who = { serviceAccount: serviceAccount.identity };
      }
      return {
        kind: "login",
        method: auth.method,
        mount,
        body: { role: auth.role, jwt },
        identity: { method: auth.method, mount, role: auth.role, ...who },
      };
    }
    case "cert": {
      const mount = auth.mount ?? DEFAULT_AUTH_MOUNTS.cert;
      return {
        kind: "login",
        method: "cert",
        mount,
        body: auth.name === undefined ? {} : { name: auth.name },
        identity: {
          method: "cert",
          mount,
          name: auth.name ?? null,
          cert: tls.cert ? digest(tls.cert) : null,
        },
      };
    }
  }
}

/** The token and its life from a login answer, or undefined when the body is not one. */
export function loginResult(
  response: VaultResponse,
): { token: string; ttlSeconds: number; limitedUses: boolean } | undefined {
  const auth = (response.body as { auth?: Record<string, unknown> } | null)?.auth;
  const token = auth?.["client_token"];
  if (typeof token !== "string" || token === "") return undefined;
  const ttl = auth?.["lease_duration"];
  const uses = auth?.["num_uses"];
  return {
    token,
    ttlSeconds: typeof ttl === "number" && ttl > 0 ? ttl : 0,
    limitedUses: typeof uses === "number" && uses > 0,
  };
}

/** Hashed in JavaScript: loading node:crypto for a few hundred bytes costs a miss more CPU. */
function digest(value: string | Uint8Array): string {
  return sha256Hex(value);
}
