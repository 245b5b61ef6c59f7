import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { UTF8_BOM } from "../../kernel/csv.js";
import { readingsCsv, vietnamTime } from "./readings-csv.js";

describe("readings as CSV", () => {
  it("writes raw points with UTC and Viet Nam times, readable back to the same numbers", () => {
    const csv = readingsCsv({
      device: "tn-air-001",
      metric: "pm25",
      unit: "µg/m³",
      points: [
        { ts: "2026-12-06T09:20:00.000Z", value: 35.25 },
        { ts: "2026-12-06T17:00:00.000Z", value: 0.1 },
      ],
    });
    expect(csv.startsWith(UTF8_BOM)).toBe(false);
    const rows = parse(csv, { columns: true }) as Record<string, string>[];
    expect(rows).toEqual([
      {
        device: "tn-air-001",
        metric: "pm25",
        unit: "µg/m³",
        time_utc: "2026-12-06T09:20:00.000Z",
        time_vietnam: "2026-12-06T16:20:00+07:00",
        value: "35.25",
      },
      {
        device: "tn-air-001",
        metric: "pm25",
        unit: "µg/m³",
        time_utc: "2026-12-06T17:00:00.000Z",
        time_vietnam: "2026-12-07T00:00:00+07:00",
        value: "0.1",
      },
    ]);
  });

  it("writes buckets with mean, min, max and count, and a BOM for Excel", () => {
    const csv = readingsCsv(
      {
        device: "a,b",
        metric: "water_level",
        unit: "m",
        points: [{ ts: "2026-12-06T00:00:00.000Z", mean: 1.5, min: 1, max: 2, count: 12 }],
      },
      { excel: true },
    );
    expect(csv.startsWith(UTF8_BOM)).toBe(true);
    expect(csv.split("\r\n")).toEqual([
      `${UTF8_BOM}device,metric,unit,time_utc,time_vietnam,mean,min,max,count`,
      '"a,b",water_level,m,2026-12-06T00:00:00.000Z,2026-12-06T07:00:00+07:00,1.5,1,2,12',
      "",
    ]);
  });

  it("shifts to Viet Nam time across the date line", () => {
    expect(vietnamTime("2026-12-31T20:30:00.000Z")).toBe("2027-01-01T03:30:00+07:00");
  });
});
