import { resolve } from "node:path";
import { PullkeyError } from "../../errors.js";
import { readNamedFile } from "../../files.js";
import type { CredentialSource, SourceDeps } from "../source.js";
import type { StaticSpec } from "./spec.js";

/** A source with a fixed username and a password file, re-read on every fetch so rotation applies. */
export function staticSource(spec: StaticSpec, deps: SourceDeps): CredentialSource {
  const file = resolve(deps.baseDir, spec.passwordFile);
  return {
    description: `static ${file}`,
    async fetch() {
      const bytes = await readNamedFile(deps.readFile, file, "password file", "SOURCE_UNREADABLE");
      let text: string;
      try {
        text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
      } catch {
        throw new PullkeyError("SOURCE_FORMAT", `password file ${file} is not UTF-8 text`);
      }
      // Editors and `echo` add one newline; registries never put one in a token.
      const password = text.replace(/\r?\n$/, "");
      if (password === "") {
        throw new PullkeyError("SOURCE_FORMAT", `password file ${file} is empty`);
      }
      if (/[\r\n]/.test(password)) {
        throw new PullkeyError(
          "SOURCE_FORMAT",
          `password file ${file} has more than one line; it must hold only the password or token`,
        );
      }
      return { username: spec.username, password };
    },
  };
}
