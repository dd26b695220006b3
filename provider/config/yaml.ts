import { parse, YAMLParseError } from "yaml";
import { PullkeyError } from "../errors.js";

/**
 * YAML parsing lives in its own module so a JSON config never loads the YAML parser. Duplicate
 * keys are errors, as in the kubelet's strict config decoding.
 */
export function parseYaml(text: string, file: string): unknown {
  try {
    return parse(text, { uniqueKeys: true });
  } catch (err) {
    if (err instanceof YAMLParseError) {
      const [line, col] = err.linePos?.[0] ? [err.linePos[0].line, err.linePos[0].col] : [0, 0];
      const where = line > 0 ? ` at line ${line}, column ${col}` : "";
      // The pretty message continues with a snippet of the file over several lines; keep the reason.
      const reason = err.message.split("\n")[0]?.replace(/ at line \d+, column \d+.*$/, "");
      throw new PullkeyError(
        "CONFIG_INVALID",
        `config ${file} is not valid YAML${where}: ${reason}`,
      );
    }
    throw err;
  }
}
