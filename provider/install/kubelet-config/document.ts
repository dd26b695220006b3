import { isMap, isScalar, isSeq, type Node, parseDocument, stringify, type YAMLSeq } from "yaml";

/**
 * Edits a kubelet CredentialProviderConfig as text, so everything the operator (or nodeadm)
 * wrote stays byte for byte: comments, key order, quoting, indentation, JSON layout. The yaml
 * package's parser (eemeli/yaml) finds where each provider entry sits; the edit splices one
 * rendered entry into or out of the text. JSON is YAML, so one code path serves both.
 */

/** A provider entry as written to the file (the kubelet's field names and order). */
export type ProviderEntry = Record<string, unknown> & { name: string };

/** The config's format, by content as the kubelet decides it: JSON starts with `{`. */
export function formatOf(text: string): "json" | "yaml" {
  return text.trimStart().startsWith("{") ? "json" : "yaml";
}

/** A whole new CredentialProviderConfig holding one entry, in the format of `file`'s name. */
export function renderNewConfig(entry: ProviderEntry, format: "json" | "yaml"): string {
  const config = {
    apiVersion: "kubelet.config.k8s.io/v1",
    kind: "CredentialProviderConfig",
    providers: [entry],
  };
  if (format === "json") return `${JSON.stringify(config, null, 2)}\n`;
  return stringify(config, { lineWidth: 0 });
}

/**
 * The first YAML/JSON syntax error of a file, with the file's own line and column, or undefined.
 * The yaml library recovers from some errors (`[,]` reads as `[]`); the kubelet's parser does
 * not, so any error counts.
 */
export function syntaxError(text: string): string | undefined {
  const error = parseDocument(text, { uniqueKeys: false }).errors[0];
  if (!error) return undefined;
  const at = error.linePos?.[0];
  const what = error.message.split("\n")[0]?.replace(/ at line \d+, column \d+:?$/, "");
  return `${at ? `line ${at.line}, column ${at.col}: ` : ""}${what}`;
}

/** The raw provider entries in the file, in order (undefined where `providers` is not a list). */
export function providerEntries(text: string): unknown[] | undefined {
  const doc = parseDocument(text);
  const providers = doc.get("providers", true);
  if (providers === undefined || (isScalar(providers) && providers.value === null)) return [];
  if (!isSeq(providers)) return undefined;
  return (providers.toJSON() as unknown[]) ?? [];
}

/**
 * Returns the text with `entry` added at the end of `providers`, or replacing the entry of the
 * same name in place. Throws when the file has no `providers` list to add to.
 */
export function upsertProvider(text: string, entry: ProviderEntry): string {
  const doc = parseDocument(text);
  const providers = doc.get("providers", true) as Node | undefined;
  if (providers === undefined || (isScalar(providers) && providers.value === null)) {
    return appendProvidersKey(text, entry, formatOf(text));
  }
  if (!isSeq(providers)) throw new Error("`providers` is not a list");
  const seq = providers as YAMLSeq<Node>;
  const index = seq.items.findIndex((item) => isMap(item) && item.get("name") === entry.name);
  const flow = Boolean(seq.flow);
  const style = styleOf(text, seq, providersKeyOffset(doc));
  if (index >= 0) {
    const item = seq.items[index] as Node;
    const [start, end] = itemSpan(text, item, flow);
    return `${text.slice(0, start)}${renderItem(entry, style, flow)}${text.slice(end)}`;
  }
  const last = seq.items[seq.items.length - 1];
  if (last === undefined) {
    // `providers: []`: replace the empty list.
    const [start, end] = [seq.range?.[0] ?? 0, seq.range?.[1] ?? 0];
    const body = flow
      ? `[\n${style.itemIndent}${renderItem(entry, style, true)}\n${style.keyIndent}]`
      : renderItem(entry, style, false);
    return `${text.slice(0, start)}${body}${text.slice(end)}`;
  }
  const [, lastEnd] = itemSpan(text, last, flow);
  if (flow) {
    return `${text.slice(0, lastEnd)},\n${style.itemIndent}${renderItem(entry, style, true)}${text.slice(lastEnd)}`;
  }
  const lead = text.slice(0, lastEnd).endsWith("\n") ? "" : "\n";
  let item = `${lead}${style.itemIndent}${renderItem(entry, style, false)}`;
  // A file that ended without a newline still does.
  if (lead !== "" && lastEnd >= text.length) item = item.replace(/\n$/, "");
  return `${text.slice(0, lastEnd)}${item}${text.slice(lastEnd)}`;
}

/** Returns the text without the entry named `name` (unchanged when there is none). */
export function removeProvider(text: string, name: string): string {
  const doc = parseDocument(text);
  const providers = doc.get("providers", true);
  if (!isSeq(providers)) return text;
  const seq = providers as YAMLSeq<Node>;
  const index = seq.items.findIndex((item) => isMap(item) && item.get("name") === name);
  const item = seq.items[index];
  if (item === undefined) return text;
  if (!seq.flow) {
    const [start, end] = itemSpan(text, item, false);
    const lineStart = text.lastIndexOf("\n", start - 1) + 1;
    // The last item of a file without a final newline: drop the newline before it instead.
    if (end >= text.length && !text.endsWith("\n"))
      return text.slice(0, Math.max(0, lineStart - 1));
    return text.slice(0, lineStart) + text.slice(end);
  }
  const [start, end] = itemSpan(text, item, true);
  const previous = seq.items[index - 1];
  const next = seq.items[index + 1];
  if (previous !== undefined)
    return text.slice(0, itemSpan(text, previous, true)[1]) + text.slice(end);
  if (next !== undefined) return text.slice(0, start) + text.slice(itemSpan(text, next, true)[0]);
  const [seqStart, seqEnd] = [seq.range?.[0] ?? start, seq.range?.[1] ?? end];
  return `${text.slice(0, seqStart)}[]${text.slice(seqEnd)}`;
}

/** Where the `providers` key starts, to measure its indentation. */
function providersKeyOffset(doc: ReturnType<typeof parseDocument>): number | undefined {
  if (!isMap(doc.contents)) return undefined;
  const pair = doc.contents.items.find((p) => isScalar(p.key) && p.key.value === "providers");
  return isScalar(pair?.key) ? pair.key.range?.[0] : undefined;
}

interface Style {
  /** What precedes an item on its first line: `  - ` in block YAML, spaces in JSON. */
  itemIndent: string;
  /** Indentation of the line holding `providers:`. */
  keyIndent: string;
  /** One indentation step, for JSON and nested YAML. */
  unit: number;
  /** Whether nested YAML lists are indented under their key (`matchImages:\n  - x`). */
  indentSeq: boolean;
}

function styleOf(text: string, seq: YAMLSeq<Node>, keyOffset: number | undefined): Style {
  const keyStart = keyOffset ?? seq.range?.[0] ?? 0;
  const keyLineStart = text.lastIndexOf("\n", keyStart - 1) + 1;
  const keyIndent = /^[ \t]*/.exec(text.slice(keyLineStart))?.[0] ?? "";
  const first = seq.items[0];
  if (first?.range) {
    const lineStart = text.lastIndexOf("\n", first.range[0] - 1) + 1;
    const prefix = text.slice(lineStart, first.range[0]);
    if (/^[ \t]*(- +)?$/.test(prefix)) {
      const unit = seq.flow
        ? Math.max(2, prefix.length - keyIndent.length)
        : Math.max(2, prefix.length - (prefix.indexOf("-") - 0));
      return {
        itemIndent: prefix,
        keyIndent,
        unit,
        indentSeq: seq.flow ? true : prefix.indexOf("-") > keyIndent.length,
      };
    }
  }
  const unit = /\n( +)\S/.exec(text)?.[1]?.length ?? 2;
  return {
    itemIndent: seq.flow ? `${keyIndent}${" ".repeat(unit)}` : `${keyIndent}- `,
    keyIndent,
    unit,
    indentSeq: false,
  };
}

function renderItem(entry: ProviderEntry, style: Style, flow: boolean): string {
  const continuation = " ".repeat(style.itemIndent.length);
  if (flow) {
    return JSON.stringify(entry, null, style.unit)
      .split("\n")
      .map((line, i) => (i === 0 ? line : `${style.itemIndent.replace(/- +$/, "")}${line}`))
      .join("\n");
  }
  const yaml = stringify(entry, { lineWidth: 0, indent: style.unit, indentSeq: style.indentSeq });
  return yaml
    .replace(/\n$/, "")
    .split("\n")
    .map((line, i) => (i === 0 ? line : `${continuation}${line}`))
    .join("\n")
    .concat("\n");
}

/** [start, end) of an item: for block items the end includes its last line's newline. */
function itemSpan(text: string, item: Node, flow: boolean): [number, number] {
  const [start = 0, valueEnd = 0] = item.range ?? [];
  if (flow) return [start, valueEnd];
  let end = valueEnd;
  // A block map's range may stop before its final newline when the file ends without one.
  while (end > start && /[ \t]/.test(text[end - 1] ?? "")) end--;
  if (text[end - 1] !== "\n" && text[end] === "\n") end++;
  return [start, end];
}

function appendProvidersKey(text: string, entry: ProviderEntry, format: "json" | "yaml"): string {
  const doc = parseDocument(text);
  doc.set("providers", [entry]);
  if (format === "json") return `${JSON.stringify(doc.toJSON(), null, 2)}\n`;
  return doc.toString({ lineWidth: 0 });
}
