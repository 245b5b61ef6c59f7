import { describe, expect, it } from "vitest";
import { dailyAqiInput, dayMax, dayMax8h, dayMean } from "./daily-inputs.js";

const day = (f: (hour: number) => number | null) => Array.from({ length: 24 }, (_, i) => f(i));

describe("daily AQI inputs from hourly means", () => {
  it("takes the 24 h mean only with at least 18 hourly means", () => {
    expect(dayMean(day((h) => (h < 18 ? 10 + h : null)))).toBe(18.5);
    expect(dayMean(day((h) => (h < 17 ? 10 : null)))).toBeUndefined();
  });

  it("takes the day's largest hourly mean of the gases", () => {
    expect(dayMax(day((h) => (h === 13 ? 130.8 : h % 3 === 0 ? null : 40)))).toBe(130.8);
    expect(dayMax(day(() => null))).toBeUndefined();
  });

  it("takes the largest 8-hour mean among windows inside the day, each needing 6 of 8 hours", () => {
    // 100 from 12:00 to 19:00 local (indices 12 … 19), 20 elsewhere.
    expect(dayMax8h(day((h) => (h >= 12 && h < 20 ? 100 : 20)))).toBe(100);
    // The high hours at the end of the day: the last window (16 … 23) holds 4 of them.
    expect(dayMax8h(day((h) => (h >= 20 ? 100 : 20)))).toBe(60);
    // A window with only 5 hourly means does not count.
    expect(dayMax8h(day((h) => (h < 5 ? 50 : null)))).toBeUndefined();
    // 6 of 8 do: the mean of the hours present.
    expect(dayMax8h(day((h) => (h < 6 ? 50 : null)))).toBe(50);
  });

  it("builds the calculator's input and leaves out what is missing", () => {
    const input = dailyAqiInput({
      pm25: day(() => 55.7),
      o3: day((h) => (h === 14 ? 114.6 : 80)),
      no2: day(() => null),
    });
    expect(input.pm25).toBeCloseTo(55.7, 10);
    expect(input.o3_1h).toBe(114.6);
    expect(input.o3_8h).toBeCloseTo((7 * 80 + 114.6) / 8, 10);
    expect("no2" in input).toBe(false);
    expect("pm10" in input).toBe(false);
  });
});
