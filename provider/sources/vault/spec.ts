import { DURATION_PATTERN, parseConfigDuration } from "../../gocompat/duration.js";
import type { SpecOf, Zod } from "../descriptor.js";
import { VAULT_ADDRESS_RE } from "./address.js";
import { parsePathTemplate } from "./template.js";

// Mount paths come from config only. Segments may not start with '.', so '.' and '..' are out.
const MOUNT_RE = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*(?:\/[A-Za-z0-9_-][A-Za-z0-9_.-]*)*$/;

/**
 * Config of the vault source: where Vault is, how to log in, and which KV secret to read.
 * Built with the zod the caller passes, so only the config compiler loads zod.
 */
export function vaultSpec(z: Zod) {
  const mount = (method: string) =>
    z.optional(
      z
        .string()
        .check(
          z.regex(
            MOUNT_RE,
            "must be a Vault mount path such as approle or k8s/prod (no '//', '.' or '..')",
          ),
          z.describe(`Where the auth method is mounted, without auth/; default ${method}.`),
        ),
    );

  const file = (what: string) =>
    z
      .string()
      .check(
        z.minLength(1, "must name a file"),
        z.describe(`${what}; a relative path resolves against this config file's folder.`),
      );

  const role = z
    .string()
    .check(z.minLength(1, "must name the Vault role"), z.describe("The Vault role to log in as."));

  /** JWT and Kubernetes auth take a service account token from a file or from the kubelet. */
  const jwtLike = (method: "jwt" | "kubernetes") =>
    z
      .strictObject({
        method: z.literal(method),
        mount: mount(method),
        role,
        tokenFile: z.optional(
          file(
            "A projected service account token (or other JWT) to log in with, re-read on every login",
          ),
        ),
        serviceAccount: z.optional(
          z
            .literal(true)
            .check(
              z.describe(
                "Log in with the pod's service account token that the kubelet passes (KEP-4412; the kubelet's provider needs tokenAttributes).",
              ),
            ),
        ),
      })
      .check(
        z.refine(
          (auth) => (auth.tokenFile === undefined) !== (auth.serviceAccount === undefined),
          'set exactly one of "tokenFile" or "serviceAccount: true"',
        ),
      );

  const auth = z.discriminatedUnion("method", [
    z
      .strictObject({
        method: z.literal("token"),
        token: z.optional(
          z
            .string()
            .check(
              z.minLength(1, "must not be empty"),
              z.describe("A Vault token written into the config; prefer tokenFile."),
            ),
        ),
        tokenFile: z.optional(
          file(
            "A file holding a Vault token, e.g. the sink of a Vault Agent; re-read on every exec",
          ),
        ),
      })
      .check(
        z.refine(
          (a) => a.token === undefined || a.tokenFile === undefined,
          'set at most one of "token" or "tokenFile" (with neither, VAULT_TOKEN is used)',
        ),
        z.describe("A ready Vault token: inline, from a file, or from VAULT_TOKEN."),
      ),
    z
      .strictObject({
        method: z.literal("appRole"),
        mount: mount("approle"),
        roleIdFile: file("File holding the AppRole role_id"),
        secretIdFile: z.optional(
          file("File holding the AppRole secret_id (omit for roles with bind_secret_id=false)"),
        ),
      })
      .check(z.describe("AppRole login with role_id and secret_id read from files.")),
    jwtLike("jwt").check(z.describe("JWT auth (role_type jwt), e.g. with Kubernetes tokens.")),
    jwtLike("kubernetes").check(
      z.describe("Kubernetes auth: Vault checks the token with the API server's TokenReview."),
    ),
    z
      .strictObject({
        method: z.literal("cert"),
        mount: mount("cert"),
        name: z.optional(
          z
            .string()
            .check(
              z.minLength(1, "must not be empty"),
              z.describe("The cert role to log in as; default: every role whose CA matches."),
            ),
        ),
      })
      .check(
        z.describe("TLS certificate auth: tls.certFile and tls.keyFile are presented to Vault."),
      ),
  ]);

  const fields = z
    .strictObject({
      username: z.optional(
        z
          .string()
          .check(
            z.describe(
              'Field holding the registry username; default "username"; "" means no username (token registries).',
            ),
          ),
      ),
      password: z.optional(
        z
          .string()
          .check(
            z.minLength(1, "must name a field"),
            z.describe('Field holding the password or access token; default "password".'),
          ),
      ),
      expiresAt: z.optional(
        z
          .string()
          .check(
            z.minLength(1, "must name a field"),
            z.describe(
              "Field holding the credential's expiry as an RFC 3339 time (e.g. a Docker Hub token's); caps the cache duration.",
            ),
          ),
      ),
    })
    .check(z.describe("Which fields of the secret hold the credential."));

  const secret = z
    .strictObject({
      engine: z
        .enum(["kv-v2", "kv-v1"])
        .check(z.describe("The KV secrets engine version of the mount.")),
      mount: z
        .string()
        .check(
          z.regex(MOUNT_RE, "must be a Vault mount path such as secret or kv/registries"),
          z.describe("Where the KV engine is mounted, e.g. secret."),
        ),
      path: z.string().check(
        z.refine((p) => typeof parsePathTemplate(p) !== "string", {
          error: (issue) => parsePathTemplate(String(issue.input)) as string,
        }),
        z.describe(
          'Secret path inside the mount (no data/ for kv-v2). KEP-4412 mode may use {{namespace}}, {{serviceAccount}} and {{annotation "key"}}; each value must be one plain path segment.',
        ),
      ),
      version: z.optional(
        z
          .number()
          .check(
            z.int(),
            z.positive("must be a positive version number"),
            z.describe("kv-v2 only: pin this version instead of the latest."),
          ),
      ),
      fields: z.optional(fields),
      dockerConfigJsonField: z.optional(
        z
          .string()
          .check(
            z.minLength(1, "must name a field"),
            z.describe(
              "Field holding a whole docker config.json (as a string or object); the image's registry picks the auths entry. Instead of fields.",
            ),
          ),
      ),
    })
    .check(
      z.refine((s) => !(s.engine === "kv-v1" && s.version !== undefined), {
        error: 'kv-v1 has no versions; "version" needs engine kv-v2',
        path: ["version"],
      }),
      z.refine((s) => !(s.fields && s.dockerConfigJsonField !== undefined), {
        error: 'set either "fields" or "dockerConfigJsonField", not both',
      }),
    );

  const tls = z.strictObject({
    caFile: z.optional(
      file("PEM CA bundle to trust for Vault; default $VAULT_CACERT, else the system CAs"),
    ),
    certFile: z.optional(
      file("PEM client certificate (TLS certificate auth, or a listener that requires one)"),
    ),
    keyFile: z.optional(file("PEM private key of certFile")),
    insecureSkipVerify: z.optional(
      z
        .boolean()
        .check(
          z.describe(
            "Do not verify Vault's certificate. Only this explicit boolean turns verification off; VAULT_SKIP_VERIFY is ignored.",
          ),
        ),
    ),
  });

  return z
    .strictObject({
      type: z.literal("vault"),
      address: z.optional(
        z
          .string()
          .check(
            z.regex(VAULT_ADDRESS_RE, "must be http(s)://host[:port]"),
            z.describe(
              "Vault's address, e.g. https://vault.example.com:8200; default $VAULT_ADDR.",
            ),
          ),
      ),
      namespace: z.optional(
        z
          .string()
          .check(
            z.regex(MOUNT_RE, "must be a namespace path such as admin or team-a/dev"),
            z.describe(
              "Vault Enterprise/HCP namespace (X-Vault-Namespace); default $VAULT_NAMESPACE.",
            ),
          ),
      ),
      timeout: z.optional(
        z.string().check(
          z.regex(new RegExp(DURATION_PATTERN), "must be a duration such as 5s"),
          z.refine((t) => {
            const ms = parseConfigDuration(t);
            return ms !== undefined && ms >= 100 && ms <= 30_000;
          }, "must be between 100ms and 30s: each Vault call must fit the exec's time budget"),
          z.describe("Per-request timeout; default 5s."),
        ),
      ),
      tls: z.optional(tls),
      auth,
      secret,
    })
    .check(
      z.refine((s) => s.auth.method !== "cert" || (s.tls?.certFile && s.tls.keyFile), {
        error: "cert auth needs tls.certFile and tls.keyFile",
        path: ["tls"],
      }),
      z.refine((s) => (s.tls?.certFile === undefined) === (s.tls?.keyFile === undefined), {
        error: "set tls.certFile and tls.keyFile together",
        path: ["tls"],
      }),
      z.describe("Registry credentials from a HashiCorp Vault KV secret."),
    );
}

export type VaultSpec = SpecOf<typeof vaultSpec>;
export type VaultAuthSpec = VaultSpec["auth"];
