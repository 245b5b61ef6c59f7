/** Reads sample values out of the Prometheus text exposition format served at /metrics. */
export function metricSamples(text: string, name: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line.startsWith("#") || !line.startsWith(name)) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    samples.set(match[2] ?? "", Number(match[3]));
  }
  return samples;
}

/** The value of one labelled counter, e.g. `labelledSample(text, "x_total", { reason: "a" })`; 0 when absent. */
export function labelledSample(text: string, name: string, labels: Record<string, string>): number {
  const wanted = `{${Object.entries(labels)
    .map(([key, value]) => `${key}="${value}"`)
    .join(",")}}`;
  return metricSamples(text, name).get(wanted) ?? 0;
}
