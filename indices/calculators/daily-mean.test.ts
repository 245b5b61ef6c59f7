import { describe, expect, it } from "vitest";
import { DAILY_MEAN_MIN_HOURS, dailyMeanOfHours } from "./daily-mean.js";

describe("dailyMeanOfHours", () => {
  it("averages the hours present when at least 18 of 24 exist", () => {
    expect(DAILY_MEAN_MIN_HOURS).toBe(18);
    const day = [...Array(18).fill(20), ...Array(6).fill(null)];
    expect(dailyMeanOfHours(day)).toBe(20);
    expect(dailyMeanOfHours([...Array(12).fill(10), ...Array(12).fill(30)])).toBe(20);
  });

  it("is null below 18 hours or for an empty day", () => {
    expect(dailyMeanOfHours([...Array(17).fill(20), ...Array(7).fill(null)])).toBeNull();
    expect(dailyMeanOfHours(Array(24).fill(null))).toBeNull();
    expect(dailyMeanOfHours([], 0)).toBeNull();
    expect(dailyMeanOfHours([5, 7], 2)).toBe(6);
  });

  it("refuses more than 24 hours and invalid values", () => {
    expect(() => dailyMeanOfHours(Array(25).fill(1))).toThrow(RangeError);
    expect(() => dailyMeanOfHours([1, -1])).toThrow(/hour\[1\]/);
  });
});
