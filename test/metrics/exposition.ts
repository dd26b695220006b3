/**
 * A line-by-line check of the Prometheus text exposition format (0.0.4), strict enough for what
 * node-exporter's textfile collector accepts: HELP/TYPE comments before a family's samples,
 * valid metric and label names, escaped label values, float values, no duplicate series,
 * histograms with cumulative buckets ending in +Inf equal to _count. Returns the samples.
 */
export function parseExposition(text: string): Map<string, number> {
  if (!text.endsWith("\n")) throw new Error("the last line must end with a newline");
  const samples = new Map<string, number>();
  const types = new Map<string, string>();
  const helped = new Set<string>();
  const NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
  const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"';
  const sample = new RegExp(`^(${NAME})(\\{(?:${LABEL})(?:,${LABEL})*\\})? (\\S+)$`);
  text
    .slice(0, -1)
    .split("\n")
    .forEach((line, i) => {
      const at = `line ${i + 1} ${JSON.stringify(line)}`;
      if (line.startsWith("# HELP ")) {
        const m = new RegExp(`^# HELP (${NAME}) .+$`).exec(line);
        if (!m?.[1] || helped.has(m[1])) throw new Error(`${at}: bad or repeated HELP`);
        helped.add(m[1]);
        return;
      }
      if (line.startsWith("# TYPE ")) {
        const m = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`).exec(
          line,
        );
        if (!m?.[1] || !m[2] || types.has(m[1])) throw new Error(`${at}: bad or repeated TYPE`);
        types.set(m[1], m[2]);
        return;
      }
      if (line.startsWith("#") || line === "")
        throw new Error(`${at}: stray comment or blank line`);
      const m = sample.exec(line);
      if (!m?.[1] || m[3] === undefined) throw new Error(`${at}: not a sample`);
      const family = m[1].replace(/_(bucket|sum|count)$/, "");
      const type = types.get(m[1]) ?? types.get(family);
      if (!type) throw new Error(`${at}: sample before its TYPE`);
      if (type === "counter" && !m[1].endsWith("_total"))
        throw new Error(`${at}: counter without _total`);
      const value = m[3] === "+Inf" ? Infinity : Number(m[3]);
      if (Number.isNaN(value) || !/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$|^\+Inf$/.test(m[3])) {
        throw new Error(`${at}: value is not a float`);
      }
      const key = `${m[1]}${m[2] ?? ""}`;
      if (samples.has(key)) throw new Error(`${at}: duplicate series`);
      samples.set(key, value);
    });
  for (const [name, type] of types) {
    if (type !== "histogram") continue;
    const byLabels = new Map<string, { le: number; count: number }[]>();
    for (const [key, value] of samples) {
      const m = new RegExp(`^${name}_bucket\\{(.*?),?le="([^"]+)"\\}$`).exec(key);
      if (!m) continue;
      const list = byLabels.get(m[1] ?? "") ?? [];
      list.push({ le: m[2] === "+Inf" ? Infinity : Number(m[2]), count: value });
      byLabels.set(m[1] ?? "", list);
    }
    for (const [labels, buckets] of byLabels) {
      buckets.forEach((b, i) => {
        const prev = buckets[i - 1];
        if (prev && (b.le <= prev.le || b.count < prev.count))
          throw new Error(`${name}{${labels}}: buckets not cumulative`);
      });
      const inf = buckets.at(-1);
      const count = samples.get(`${name}_count{${labels}}`);
      if (inf?.le !== Infinity || inf.count !== count)
        throw new Error(`${name}{${labels}}: +Inf bucket is not _count`);
    }
  }
  return samples;
}
