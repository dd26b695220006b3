import type { SpecOf, Zod } from "../descriptor.js";

/**
 * Config of the dockerConfig source: a docker `config.json`, as `docker login` writes it.
 * Built with the zod the caller passes, so only the config compiler loads zod.
 */
export function dockerConfigSpec(z: Zod) {
  return z
    .strictObject({
      type: z.literal("dockerConfig"),
      path: z
        .string()
        .check(
          z.minLength(1, "must name a docker config file"),
          z.describe(
            "Docker config.json; a relative path resolves against this config file's folder.",
          ),
        ),
      registry: z.optional(
        z
          .string()
          .check(
            z.minLength(1, "must not be empty"),
            z.describe(
              "Which `auths` entry to use, e.g. docker.io; default: the registry of the image being pulled.",
            ),
          ),
      ),
      credentialHelperDir: z.optional(
        z
          .string()
          .check(
            z.regex(/^\//, "must be an absolute path"),
            z.describe(
              "Folder holding the docker-credential-<name> helpers that credsStore/credHelpers name; default: /usr/local/sbin, /usr/local/bin, /usr/sbin, /usr/bin, /sbin, /bin (systemd's PATH for the kubelet).",
            ),
          ),
      ),
      credentialHelperEnv: z.optional(
        z
          .record(
            z
              .string()
              .check(z.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name")),
            z.string(),
          )
          .check(
            z.describe(
              "Environment variables set for the helper on top of pullkey's own (the kubelet's), e.g. PASSWORD_STORE_DIR and GNUPGHOME for docker-credential-pass.",
            ),
          ),
      ),
    })
    .check(
      z.describe(
        "Credentials from a docker config.json: an `auths` entry, or the credsStore/credHelpers helper docker would run.",
      ),
    );
}

export type DockerConfigSpec = SpecOf<typeof dockerConfigSpec>;
