import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { renderSchema } from "../../../scripts/schema-entry.js";

describe("the published JSON Schema", () => {
  it("is what the zod schema generates (run `npm run schema` after changing the config)", () => {
    const committed = readFileSync(
      new URL("../../../config/pullkey.schema.json", import.meta.url),
      "utf8",
    );
    expect(committed).toBe(renderSchema());
  });
});
