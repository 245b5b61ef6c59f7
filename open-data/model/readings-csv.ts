/**
 * Readings as CSV for open data: UTF-8, one header row, RFC 4180 quoting, times in UTC ISO 8601.
 * The columns are the data dictionary's (open-data/api/catalogue-pages.ts). Pure.
 */

import { csvField } from "../../kernel/csv.js";

export const CSV_COLUMNS = [
  "station",
  "station_name",
  "area",
  "metric",
  "time_utc",
  "value",
  "unit",
] as const;

export interface CsvRow {
  readonly station: string;
  readonly stationName: string;
  readonly area: string | null;
  readonly metric: string;
  readonly ts: number;
  readonly value: number;
  readonly unit: string;
}

export const csvHeader = () => `${CSV_COLUMNS.join(",")}\r\n`;

export function csvLine(row: CsvRow): string {
  return `${[
    csvField(row.station),
    csvField(row.stationName),
    csvField(row.area ?? ""),
    csvField(row.metric),
    new Date(row.ts).toISOString(),
    String(row.value),
    csvField(row.unit),
  ].join(",")}\r\n`;
}
