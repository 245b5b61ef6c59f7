import { describe, expect, it } from "vitest";
import { createTimeSeriesWindow } from "./time-series-window.js";

describe("time series window", () => {
  it("keeps points sorted, replaces a point at the same time and trims to the window", () => {
    const series = createTimeSeriesWindow(60_000);
    series.replace([
      { at: 20_000, value: 2 },
      { at: 10_000, value: 1 },
    ]);
    series.add({ at: 40_000, value: 4 });
    series.add({ at: 30_000, value: 3 });
    series.add({ at: 20_000, value: 22 });

    expect(series.toAligned()).toEqual([
      [10, 20, 30, 40],
      [1, 22, 3, 4],
    ]);

    series.trim(85_000);
    expect(series.toAligned()).toEqual([
      [30, 40],
      [3, 4],
    ]);
    series.trim(200_000);
    expect(series.size()).toBe(0);
  });
});
