import { LineCounter, parseDocument, type YAMLError } from "yaml";
import { PullkeyError } from "../errors.js";

/**
 * How many times aliases may be expanded in one document. A config has no need for many; a
 * "billion laughs" document (aliases of aliases) would otherwise grow without bound. The yaml
 * library throws past it, which is reported as an invalid config.
 */
export const MAX_ALIAS_COUNT = 100;

/**
 * YAML parsing lives in its own module so a JSON config never loads the YAML parser. Duplicate
 * keys are errors, as in the kubelet's strict config decoding. The library's warnings are
 * collected here, never printed by it: its printer quotes the offending config line, which may
 * hold a secret, and stderr goes to the kubelet's log. Each becomes `line L, column C: <kind>`.
 */
export function parseYaml(text: string, file: string, warnings: string[] = []): unknown {
  const lineCounter = new LineCounter();
  // prettyErrors off: the pretty message continues with a snippet of the file.
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false, lineCounter });
  const where = (err: YAMLError) => {
    const { line, col } = lineCounter.linePos(err.pos[0]);
    return `line ${line}, column ${col}`;
  };
  const [error] = doc.errors;
  if (error) {
    throw new PullkeyError(
      "CONFIG_INVALID",
      `config ${file} is not valid YAML at ${where(error)}: ${reasonOf(error)}`,
    );
  }
  for (const warning of doc.warnings) {
    warnings.push(`config ${file} ${where(warning)}: YAML warning: ${kindOf(warning)}`);
  }
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    if (err instanceof ReferenceError) {
      throw new PullkeyError(
        "CONFIG_INVALID",
        `config ${file} expands YAML aliases more than ${MAX_ALIAS_COUNT} times; a config needs few aliases, and a document of aliases of aliases grows without bound`,
      );
    }
    throw err;
  }
}

/**
 * Our words for the codes whose library message quotes config text (a block scalar header, an
 * escape, a tag name) or speaks to a programmer rather than an operator.
 */
const WORDS: Partial<Record<YAMLError["code"], string>> = {
  UNEXPECTED_TOKEN: "unexpected text",
  BAD_DQ_ESCAPE: "invalid escape in a double-quoted string",
  BAD_PROP_ORDER: "anchor or tag in the wrong place",
  MULTIPLE_DOCS: "more than one YAML document; a config is one document",
  TAG_RESOLVE_FAILED: "unknown tag, the value is read as plain text",
};

/** The library's one-line reason, or our words where the reason would quote the config. */
function reasonOf(error: YAMLError): string {
  return WORDS[error.code] ?? error.message.split("\n")[0] ?? kindOf(error);
}

/** A warning's kind in words, never its text: the library's messages may quote the config. */
function kindOf(warning: YAMLError): string {
  const words = WORDS[warning.code] ?? warning.code.toLowerCase().replaceAll("_", " ");
  return `${words} (${warning.code})`;
}
