import { type Document, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import { CONFIG_VERSIONS, type StructType, schemaFor } from "./decode.js";

/**
 * The strict half of the kubelet's decoding, on the parsed document so that positions are
 * known: unknown fields (sigs.k8s.io/json) and duplicate keys. The kubelet words them by
 * format: JSON lists both in document order (`duplicate field "providers[0].name"`); YAML puts
 * yaml.v2's duplicate-key errors first (`yaml: unmarshal errors:\n  line 6: key "name" already
 * set in map`) and the unknown fields after. Returns the message, or undefined when clean.
 */
export function strictDecodingError(text: string, kubeletMinor?: number): string | undefined {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { uniqueKeys: false, lineCounter });
  const version = String(doc.get("apiVersion") ?? "").split("/")[1] ?? "";
  if (!(CONFIG_VERSIONS as readonly string[]).includes(version)) return undefined;
  const issues: Issue[] = [];
  walkDuplicates(doc.contents, "", issues);
  walkUnknown(
    doc,
    doc.contents,
    schemaFor(version, kubeletMinor ?? Number.POSITIVE_INFINITY),
    "",
    issues,
  );
  if (issues.length === 0) return undefined;
  issues.sort((a, b) => a.offset - b.offset);
  const unknown = (i: Issue) => `unknown field ${JSON.stringify(i.path)}`;
  if (text.trimStart().startsWith("{")) {
    const words = issues.map((i) =>
      i.kind === "unknown" ? unknown(i) : `duplicate field ${JSON.stringify(i.path)}`,
    );
    return `strict decoding error: ${words.join(", ")}`;
  }
  const duplicates = issues.filter((i) => i.kind === "duplicate");
  const parts = issues.filter((i) => i.kind === "unknown").map(unknown);
  if (duplicates.length > 0) {
    const lines = duplicates.map(
      (d) =>
        `line ${lineCounter.linePos(d.offset).line}: key ${JSON.stringify(d.key)} already set in map`,
    );
    parts.unshift(`yaml: unmarshal errors:\n  ${lines.join("\n  ")}`);
  }
  return `strict decoding error: ${parts.join(", ")}`;
}

interface Issue {
  kind: "unknown" | "duplicate";
  path: string;
  key: string;
  offset: number;
}

function keyOf(node: unknown): string {
  return isScalar(node) ? String(node.value) : String(node);
}

function walkDuplicates(node: Node | null | undefined, path: string, issues: Issue[]): void {
  if (isMap(node)) {
    const seen = new Set<string>();
    for (const pair of node.items) {
      const key = keyOf(pair.key);
      const at = path === "" ? key : `${path}.${key}`;
      if (seen.has(key)) {
        issues.push({
          kind: "duplicate",
          path: at,
          key,
          offset: (pair.key as Node).range?.[0] ?? 0,
        });
      }
      seen.add(key);
      walkDuplicates(pair.value as Node, at, issues);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => {
      walkDuplicates(item as Node, `${path}[${i}]`, issues);
    });
  }
}

function walkUnknown(
  doc: Document,
  node: Node | null | undefined,
  type: StructType,
  path: string,
  issues: Issue[],
): void {
  if (!isMap(node)) return;
  const seen = new Set<string>();
  for (const pair of node.items) {
    const key = keyOf(pair.key);
    if (seen.has(key)) continue;
    seen.add(key);
    const at = path === "" ? key : `${path}.${key}`;
    const field = type.fields[key];
    if (field === undefined) {
      issues.push({ kind: "unknown", path: at, key, offset: (pair.key as Node).range?.[0] ?? 0 });
    } else if (typeof field === "object" && "list" in field) {
      const value = pair.value as Node;
      if (isSeq(value))
        value.items.forEach((item, i) => {
          walkUnknown(doc, item as Node, field.list, `${at}[${i}]`, issues);
        });
    } else if (typeof field === "object") {
      walkUnknown(doc, pair.value as Node, field, at, issues);
    }
  }
}
