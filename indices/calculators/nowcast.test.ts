import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { NOWCAST_HOURS, nowCast } from "./nowcast.js";

const PROPERTY_RUNS = { seed: 1459, numRuns: 500 } as const;

describe("nowCast", () => {
  it("reproduces the decision's worked example (PM2.5 09:00–20:00, NowCast ≈ 20.3)", () => {
    const oldestFirst = [26.9, 24.7, 20.5, 23.5, 19.5, 16.5, 19.0, 16.5, 20.3, 22.4, 19.6, 20.6];
    const value = nowCast([...oldestFirst].reverse());
    expect(value).not.toBeNull();
    expect(value as number).toBeCloseTo(20.2658, 4);
  });

  it("uses the normalised weighted sum with w = Cmin/Cmax", () => {
    // w = 10/20 = 0.5: (20 + 0.5·10) / 1.5
    expect(nowCast([20, 10])).toBeCloseTo(25 / 1.5, 12);
    // w = 30/40 = 0.75: (30 + 0.75·40 + 0.5625·30) / 2.3125
    expect(nowCast([30, 40, 30])).toBeCloseTo((30 + 30 + 16.875) / 2.3125, 12);
  });

  it("floors the weight at 0.5", () => {
    // w* = 1/100 → w = 0.5: (1 + 0.5·100) / 1.5 = 34
    expect(nowCast([1, 100])).toBeCloseTo(34, 12);
  });

  it("gives a missing hour weight 0 but keeps the ages of the others", () => {
    // c1 = 10, c2 missing, c3 = 20: w = 0.5, (10 + 0.25·20) / 1.25 = 12
    expect(nowCast([10, null, 20])).toBeCloseTo(12, 12);
    expect(nowCast([10, undefined, 20])).toBeCloseTo(12, 12);
  });

  it("needs at least 2 of the 3 most recent hours", () => {
    expect(nowCast([10, 20])).not.toBeNull();
    expect(nowCast([null, 10, 20])).not.toBeNull();
    expect(nowCast([10, null, null, 20, 20, 20])).toBeNull();
    expect(nowCast([null, null, 10, 20, 20, 20])).toBeNull();
    expect(nowCast([10])).toBeNull();
    expect(nowCast([])).toBeNull();
    expect(nowCast(Array(12).fill(null))).toBeNull();
  });

  it("ignores hours after the 12th", () => {
    const twelve = [10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32];
    expect(nowCast([...twelve, 1000, 0])).toBe(nowCast(twelve));
  });

  it("is 0 for an all-zero series (no 0/0 weight)", () => {
    expect(nowCast([0, 0, 0])).toBe(0);
  });

  it("refuses a negative or non-finite hour, naming it", () => {
    expect(() => nowCast([10, -1])).toThrow(/hours\[1\]/);
    expect(() => nowCast([10, Number.NaN])).toThrow(RangeError);
    expect(() => nowCast([Number.POSITIVE_INFINITY, 10])).toThrow(RangeError);
    expect(() => nowCast([10, 10, -5], "pm25")).toThrow(/pm25\[2\]/);
  });

  const hour = fc.option(fc.double({ min: 0, max: 1000, noNaN: true }), { nil: null, freq: 4 });

  it("lies between the smallest and largest available hour (property)", () => {
    fc.assert(
      fc.property(fc.array(hour, { minLength: 0, maxLength: 16 }), (hours) => {
        const value = nowCast(hours);
        const used = hours.slice(0, NOWCAST_HOURS);
        const recent = used.slice(0, 3).filter((h) => h !== null).length;
        if (recent < 2) return value === null;
        const available = used.filter((h): h is number => h !== null);
        return value !== null && value >= Math.min(...available) && value <= Math.max(...available);
      }),
      PROPERTY_RUNS,
    );
  });

  it("equals the value itself for a constant series (property)", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1000, noNaN: true }),
        fc.integer({ min: 2, max: NOWCAST_HOURS }),
        (value, length) => nowCast(Array(length).fill(value)) === value,
      ),
      PROPERTY_RUNS,
    );
  });
});
