/**
 * A unified diff of two texts (`diff -u` layout, 3 lines of context), for `--dry-run`. Files
 * here are short, so a plain LCS table is fast enough and keeps the code readable.
 */
export function unifiedDiff(
  path: string,
  before: string | undefined,
  after: string | undefined,
): string {
  const a = splitLines(before);
  const b = splitLines(after);
  const ops = diffLines(a, b);
  if (ops.every((op) => op.kind === " ")) return "";
  const header = `--- ${before === undefined ? "/dev/null" : `a${path}`}\n+++ ${after === undefined ? "/dev/null" : `b${path}`}\n`;
  return header + hunks(ops).join("");
}

interface Op {
  kind: " " | "-" | "+";
  line: string;
  aLine: number;
  bLine: number;
}

function splitLines(text: string | undefined): string[] {
  if (text === undefined || text === "") return [];
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  else lines[lines.length - 1] += "\n\\ No newline at end of file";
  return lines;
}

function diffLines(a: string[], b: string[]): Op[] {
  const n = a.length;
  const m = b.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    const row = lcs[i] as number[];
    const next = lcs[i + 1] as number[];
    for (let j = m - 1; j >= 0; j--) {
      row[j] = a[i] === b[j] ? (next[j + 1] ?? 0) + 1 : Math.max(next[j] ?? 0, row[j + 1] ?? 0);
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      ops.push({ kind: " ", line: a[i] ?? "", aLine: i++, bLine: j++ });
    } else if (i < n && (j >= m || (lcs[i + 1]?.[j] ?? 0) >= (lcs[i]?.[j + 1] ?? 0))) {
      // On a tie the removal goes first, as diff -u prints a changed line: - then +.
      ops.push({ kind: "-", line: a[i] ?? "", aLine: i++, bLine: j });
    } else {
      ops.push({ kind: "+", line: b[j] ?? "", aLine: i, bLine: j++ });
    }
  }
  return ops;
}

function hunks(ops: Op[], context = 3): string[] {
  const out: string[] = [];
  let k = 0;
  while (k < ops.length) {
    while (k < ops.length && ops[k]?.kind === " ") k++;
    if (k >= ops.length) break;
    const start = Math.max(0, k - context);
    let end = k;
    // Extend while the next change is within 2*context lines.
    for (;;) {
      while (end < ops.length && ops[end]?.kind !== " ") end++;
      let gap = end;
      while (gap < ops.length && ops[gap]?.kind === " ") gap++;
      if (gap < ops.length && gap - end <= context * 2) end = gap;
      else break;
    }
    const stop = Math.min(ops.length, end + context);
    const slice = ops.slice(start, stop);
    const aStart = slice[0]?.aLine ?? 0;
    const bStart = slice[0]?.bLine ?? 0;
    const aCount = slice.filter((op) => op.kind !== "+").length;
    const bCount = slice.filter((op) => op.kind !== "-").length;
    const range = (startLine: number, count: number) =>
      count === 0
        ? `${startLine},0`
        : count === 1
          ? `${startLine + 1}`
          : `${startLine + 1},${count}`;
    out.push(`@@ -${range(aStart, aCount)} +${range(bStart, bCount)} @@\n`);
    for (const op of slice) out.push(`${op.kind}${op.line}\n`);
    k = stop;
  }
  return out;
}
