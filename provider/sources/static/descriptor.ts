import { defineSource } from "../descriptor.js";
import { type StaticSpec, staticSpec } from "./spec.js";

/** A fixed username and a password or token read from a file on every exec. */
export const staticSource = defineSource<StaticSpec>({
  type: "static",
  schema: staticSpec,
  folder: "static",
  cached: false,
  lazy: false,
  describe: (spec) => `static ${spec.passwordFile}`,
  files: (spec) => [{ field: "passwordFile", path: spec.passwordFile }],
  load: async () => (await import("./source.js")).staticSource,
});
