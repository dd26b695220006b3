import type { SpecOf, Zod } from "../descriptor.js";

/**
 * Config of the static source: a fixed username with the password (or token) in a file, so the
 * secret is never in pullkey's config or argv.
 * Built with the zod the caller passes, so only the config compiler loads zod.
 */
export function staticSpec(z: Zod) {
  return z
    .strictObject({
      type: z.literal("static"),
      username: z
        .string()
        .check(
          z.describe("Registry username; may be empty for registries that take a bare token."),
        ),
      passwordFile: z
        .string()
        .check(
          z.minLength(1, "must name the file that holds the password or token"),
          z.describe(
            "File holding the password or token (one trailing newline is ignored); relative to this config file's folder.",
          ),
        ),
    })
    .check(z.describe("A fixed username and a password or token read from a file."));
}

export type StaticSpec = SpecOf<typeof staticSpec>;
