import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { collectBody } from "../../../provider/sources/aws-secrets-manager/body.js";

describe("collectBody", () => {
  it.each([
    { name: "one chunk", chunks: [Buffer.from('{"Name":"hub"}')], text: '{"Name":"hub"}' },
    {
      name: "several chunks",
      chunks: [Buffer.from('{"Na'), Buffer.from('me":"hub"}')],
      text: '{"Name":"hub"}',
    },
    { name: "string chunks", chunks: ['{"Name":', '"hüb"}'], text: '{"Name":"hüb"}' },
    { name: "an empty body", chunks: [], text: "" },
  ])("reads a Node stream of $name to its bytes", async ({ chunks, text }) => {
    const bytes = await collectBody(Readable.from(chunks));
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(bytes).toString("utf8")).toBe(text);
  });

  it("rejects with the stream's own error", async () => {
    const failing = new Readable({
      read() {
        this.destroy(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }));
      },
    });
    await expect(collectBody(failing)).rejects.toMatchObject({ code: "ECONNRESET" });
  });
});
