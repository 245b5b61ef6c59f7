import { describe, expect, it } from "vitest";
import { DEMO_FACILITIES } from "../demo-facility.js";
import { facilitiesFileSchema } from "./facilities.js";
import { daySummary, periodStatistics, vietnamDayOf } from "./statistics.js";

const DAY = Date.parse("2026-03-02T00:00:00+07:00");
const MIN = 60_000;
const station = facilitiesFileSchema.parse(DEMO_FACILITIES).facilities[0]?.stations[0];

describe("statistics of a station's values", () => {
  it("gives max, min and mean of measuring values per hour and per Vietnam day", () => {
    const values = [
      { metric: "cod", ts: DAY + 5 * MIN, value: 30, quality: "measuring" as const },
      { metric: "cod", ts: DAY + 10 * MIN, value: 50, quality: "measuring" as const },
      { metric: "cod", ts: DAY + 15 * MIN, value: 900, quality: "calibrating" as const },
      { metric: "cod", ts: DAY + 65 * MIN, value: 40, quality: "measuring" as const },
      { metric: "tss", ts: DAY + 5 * MIN, value: 10, quality: "error" as const },
    ];
    expect(periodStatistics(values, "hour")).toEqual([
      { metric: "cod", from: DAY, max: 50, min: 30, mean: 40, count: 2, flagged: 1 },
      { metric: "tss", from: DAY, max: Number.NaN, min: Number.NaN, mean: Number.NaN, count: 0, flagged: 1 },
      { metric: "cod", from: DAY + 60 * MIN, max: 40, min: 40, mean: 40, count: 1, flagged: 0 },
    ]);
    expect(periodStatistics(values, "day")[0]).toEqual({
      metric: "cod",
      from: DAY,
      max: 50,
      min: 30,
      mean: 40,
      count: 3,
      flagged: 1,
    });
    // 23:59 Vietnam time still belongs to the day; 00:00 the next.
    expect(vietnamDayOf(DAY + 1439 * MIN)).toBe(DAY);
    expect(vietnamDayOf(DAY + 1440 * MIN)).toBe(DAY + 1440 * MIN);
  });

  it("counts completeness against the interval and exceedances of measuring values only", () => {
    if (!station) throw new Error("demo station missing");
    const values = [
      { metric: "cod", ts: DAY + 5 * MIN, value: 80, quality: "measuring" as const },
      { metric: "cod", ts: DAY + 10 * MIN, value: 800, quality: "calibrating" as const },
      { metric: "ph", ts: DAY + 10 * MIN, value: 5.5, quality: "measuring" as const },
      { metric: "ph", ts: DAY + 15 * MIN, value: 7, quality: "measuring" as const },
    ];
    // Noon: 144 files expected at one per 5 minutes; 72 received → 50 %.
    expect(daySummary(station, DAY, DAY + 720 * MIN, 72, values)).toEqual({
      filesReceived: 72,
      filesExpected: 144,
      completenessPercent: 50,
      exceedances: 2,
    });
    expect(daySummary(station, DAY, DAY + 2 * 1440 * MIN, 288, []).completenessPercent).toBe(100);
    expect(daySummary(station, DAY, DAY, 0, []).completenessPercent).toBeNull();
  });
});
