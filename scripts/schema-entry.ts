import * as z from "zod/mini";
import { configSchema } from "../provider/config/schema.js";

/** The published JSON Schema of pullkey's config, as committed in config/pullkey.schema.json. */
export function renderSchema(): string {
  const schema = z.toJSONSchema(configSchema, { target: "draft-2020-12" });
  return `${JSON.stringify({ ...schema, title: "pullkey config" }, null, 2)}\n`;
}
