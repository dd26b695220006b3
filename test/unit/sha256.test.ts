import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { NATIVE_FROM_BYTES, sha256Hex } from "../../provider/sha256.js";

const native = (data: string | Uint8Array) => createHash("sha256").update(data).digest("hex");

describe("sha256Hex", () => {
  // FIPS 180-4 examples and NIST's byte-oriented test vectors.
  it.each([
    {
      name: "the empty message",
      data: "",
      digest: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    },
    {
      name: '"abc" (one block)',
      data: "abc",
      digest: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    },
    {
      name: "448 bits (the padding needs a second block)",
      data: "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
      digest: "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
    },
    {
      name: "896 bits",
      data: "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
      digest: "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1",
    },
    {
      name: "one million a's (past the size handed to node:crypto)",
      data: "a".repeat(1_000_000),
      digest: "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
    },
  ])("hashes $name as FIPS 180-4 says", ({ data, digest }) => {
    expect(sha256Hex(data)).toBe(digest);
  });

  it("agrees with node:crypto at every length around the block and padding boundaries", () => {
    for (let length = 0; length <= 300; length++) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 131 + length) & 0xff);
      expect(sha256Hex(bytes), `length ${length}`).toBe(native(bytes));
    }
  });

  it("agrees with node:crypto on either side of the size where it hands over to node:crypto", () => {
    for (const length of [NATIVE_FROM_BYTES - 1, NATIVE_FROM_BYTES, NATIVE_FROM_BYTES + 1]) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 7) & 0xff);
      expect(sha256Hex(bytes), `length ${length}`).toBe(native(bytes));
    }
  });

  it("agrees with node:crypto on random bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2_000 }), (bytes) => {
        expect(sha256Hex(bytes)).toBe(native(bytes));
      }),
      { numRuns: 500 },
    );
  });

  it("hashes a string as its UTF-8 bytes, like node:crypto, lone surrogates included", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 500 }), (text) => {
        expect(sha256Hex(text)).toBe(native(text));
      }),
      { numRuns: 500 },
    );
  });

  it("hashes only the view it is given, not the rest of its buffer", () => {
    const whole = Buffer.from("prefix-the message-suffix");
    const view = whole.subarray(7, 18);
    expect(sha256Hex(view)).toBe(native("the message"));
  });
});
