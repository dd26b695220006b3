// SHA256SUMS in the format `sha256sum -c` reads: one "<hex>  <name>" line per file, by name.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The name of the checksum file in a release folder. */
export const SUMS = "SHA256SUMS";

/** Writes SHA256SUMS for every regular file directly in `dir` (the image layout folder aside). */
export function writeChecksums(dir) {
  const names = readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name !== SUMS)
    .map((entry) => entry.name)
    .sort();
  const lines = names.map((name) => `${sha256(readFileSync(join(dir, name)))}  ${name}\n`);
  writeFileSync(join(dir, SUMS), lines.join(""));
  return names;
}

/** The hex SHA-256 of `bytes`. */
export function sha256(bytes) {
  return createHash("sha256").update(bytes).digest("hex");
}
