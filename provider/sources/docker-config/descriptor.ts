import { defineSource } from "../descriptor.js";
import { type DockerConfigSpec, dockerConfigSpec } from "./spec.js";

/** A docker config.json (what `docker login` writes), with its credential helpers. */
export const dockerConfig = defineSource<DockerConfigSpec>({
  type: "dockerConfig",
  schema: dockerConfigSpec,
  folder: "docker-config",
  cached: false,
  lazy: false,
  describe: (spec) => `dockerConfig ${spec.path}`,
  files: (spec) => [{ field: "path", path: spec.path }],
  load: async () => (await import("./source.js")).dockerConfigSource,
});
