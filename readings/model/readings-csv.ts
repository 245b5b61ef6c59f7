import { csvField, UTF8_BOM } from "../../kernel/csv.js";
import { VIETNAM_UTC_OFFSET_MS } from "../../kernel/time.js";

/** One series as the readings API answers it (ISO UTC times). */
export interface SeriesForCsv {
  readonly device: string;
  readonly metric: string;
  readonly unit: string;
  readonly points: readonly (
    | { readonly ts: string; readonly value: number }
    | {
        readonly ts: string;
        readonly mean: number;
        readonly min: number;
        readonly max: number;
        readonly count: number;
      }
  )[];
}

/** "2026-12-06T16:20:00+07:00": the same instant in Viet Nam time, for people reading the file. */
export function vietnamTime(isoUtc: string): string {
  const shifted = new Date(Date.parse(isoUtc) + VIETNAM_UTC_OFFSET_MS).toISOString();
  return `${shifted.slice(0, 19)}+07:00`;
}

/**
 * A series as CSV (RFC 4180, CRLF line ends): one row per point with the time in UTC and in
 * Viet Nam time; raw points have `value`, buckets `mean,min,max,count`. Numbers are written as
 * JavaScript writes them (a dot for decimals), so any program reads them back exactly.
 */
export function readingsCsv(series: SeriesForCsv, options: { readonly excel?: boolean } = {}): string {
  const aggregate = series.points.some((p) => "mean" in p);
  const header = aggregate
    ? ["device", "metric", "unit", "time_utc", "time_vietnam", "mean", "min", "max", "count"]
    : ["device", "metric", "unit", "time_utc", "time_vietnam", "value"];
  const lead = [series.device, series.metric, series.unit].map(csvField);
  const rows = series.points.map((p) => {
    const numbers = "mean" in p ? [p.mean, p.min, p.max, p.count] : [p.value];
    return [...lead, p.ts, vietnamTime(p.ts), ...numbers.map(String)].join(",");
  });
  return `${options.excel ? UTF8_BOM : ""}${[header.join(","), ...rows].join("\r\n")}\r\n`;
}
