import type { VaultAuthSpec, VaultSpec } from "./spec.js";

/** The default mount of each login method (Vault's own defaults). */
export const DEFAULT_AUTH_MOUNTS = {
  appRole: "approle",
  jwt: "jwt",
  kubernetes: "kubernetes",
  cert: "cert",
} as const;

/** `approle login at auth/approle`, `kubernetes role "pull" at auth/k8s`: never a credential. */
export function describeAuth(auth: VaultAuthSpec): string {
  switch (auth.method) {
    case "token":
      return auth.tokenFile !== undefined
        ? `token from ${auth.tokenFile}`
        : auth.token !== undefined
          ? "token from the config"
          : "token from VAULT_TOKEN";
    case "appRole":
      return `appRole at auth/${auth.mount ?? DEFAULT_AUTH_MOUNTS.appRole}`;
    case "jwt":
    case "kubernetes":
      return `${auth.method} role ${JSON.stringify(auth.role)} at auth/${auth.mount ?? DEFAULT_AUTH_MOUNTS[auth.method]}${auth.serviceAccount ? " with the pod's service account token" : ""}`;
    case "cert":
      return `cert${auth.name === undefined ? "" : ` role ${JSON.stringify(auth.name)}`} at auth/${auth.mount ?? DEFAULT_AUTH_MOUNTS.cert}`;
  }
}

/** A short label for messages before the source exists: `vault $VAULT_ADDR secret/dockerhub`. */
export function describeVaultSpec(spec: VaultSpec): string {
  return `vault ${spec.address ?? "$VAULT_ADDR"} ${spec.secret.mount}/${spec.secret.path}`;
}

/** The files a vault spec reads, by field name, for `pullkey validate`. */
export function vaultSpecFiles(spec: VaultSpec): { field: string; path: string }[] {
  const files: { field: string; path: string }[] = [];
  const { auth, tls } = spec;
  if (auth.method === "token" && auth.tokenFile !== undefined) {
    files.push({ field: "auth.tokenFile", path: auth.tokenFile });
  }
  if (auth.method === "appRole") {
    files.push({ field: "auth.roleIdFile", path: auth.roleIdFile });
    if (auth.secretIdFile !== undefined) {
      files.push({ field: "auth.secretIdFile", path: auth.secretIdFile });
    }
  }
  if ((auth.method === "jwt" || auth.method === "kubernetes") && auth.tokenFile !== undefined) {
    files.push({ field: "auth.tokenFile", path: auth.tokenFile });
  }
  for (const key of ["caFile", "certFile", "keyFile"] as const) {
    const path = tls?.[key];
    if (path !== undefined) files.push({ field: `tls.${key}`, path });
  }
  return files;
}
