import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type FloodThresholds,
  floodAlarmLevel,
  floodLevelLabel,
  floodThresholdsProblem,
  validateFloodThresholds,
} from "./flood-level.js";

const PROPERTY_RUNS = { seed: 2020, numRuns: 500 } as const;
// Hà Nội / Long Biên on the Hồng river, from the decision's annex.
const LONG_BIEN: FloodThresholds = { I: 9.5, II: 10.5, III: 11.5 };

describe("floodAlarmLevel", () => {
  it("is level n once the water reaches threshold n", () => {
    expect(floodAlarmLevel(9.49, LONG_BIEN)).toBe(0);
    expect(floodAlarmLevel(9.5, LONG_BIEN)).toBe(1);
    expect(floodAlarmLevel(10.49, LONG_BIEN)).toBe(1);
    expect(floodAlarmLevel(10.5, LONG_BIEN)).toBe(2);
    expect(floodAlarmLevel(11.5, LONG_BIEN)).toBe(3);
    expect(floodAlarmLevel(15, LONG_BIEN)).toBe(3);
    expect(floodAlarmLevel(0, LONG_BIEN)).toBe(0);
  });

  it("accepts water levels and thresholds below the gauge datum", () => {
    const tidal = { I: -0.5, II: 0, III: 0.4 };
    expect(floodAlarmLevel(-1.2, tidal)).toBe(0);
    expect(floodAlarmLevel(-0.5, tidal)).toBe(1);
    expect(floodAlarmLevel(0.1, tidal)).toBe(2);
  });

  it("refuses a non-finite water level and thresholds that do not rise", () => {
    expect(() => floodAlarmLevel(Number.NaN, LONG_BIEN)).toThrow(/water level/);
    expect(() => floodAlarmLevel(Number.POSITIVE_INFINITY, LONG_BIEN)).toThrow(RangeError);
    expect(() => floodAlarmLevel(10, { I: 10, II: 10, III: 12 })).toThrow(/I < II < III/);
    expect(() => floodAlarmLevel(10, { I: 12, II: 11, III: 13 })).toThrow(RangeError);
    expect(() => validateFloodThresholds({ I: 1, II: Number.NaN, III: 3 })).toThrow(/II/);
    expect(floodThresholdsProblem(LONG_BIEN)).toBeNull();
    expect(validateFloodThresholds(LONG_BIEN)).toBe(LONG_BIEN);
  });

  it("never falls as the water rises (property)", () => {
    const metres = fc.double({ min: -20, max: 200, noNaN: true });
    const thresholds = fc
      .tuple(
        metres,
        fc.double({ min: 0.01, max: 10, noNaN: true }),
        fc.double({ min: 0.01, max: 10, noNaN: true }),
      )
      .map(([I, a, b]) => ({ I, II: I + a, III: I + a + b }))
      .filter((t) => t.I < t.II && t.II < t.III);
    fc.assert(
      fc.property(thresholds, metres, metres, (t, a, b) => {
        const [low, high] = a <= b ? [a, b] : [b, a];
        return floodAlarmLevel(low, t) <= floodAlarmLevel(high, t);
      }),
      PROPERTY_RUNS,
    );
  });
});

describe("floodLevelLabel", () => {
  it("names each level in Vietnamese and English", () => {
    expect(floodLevelLabel(0)).toEqual({ vi: "Dưới báo động I", en: "Below alarm level I" });
    expect(floodLevelLabel(1)).toEqual({ vi: "Báo động I", en: "Alarm level I" });
    expect(floodLevelLabel(2)).toEqual({ vi: "Báo động II", en: "Alarm level II" });
    expect(floodLevelLabel(3)).toEqual({ vi: "Báo động III", en: "Alarm level III" });
    expect(() => floodLevelLabel(4 as 3)).toThrow(RangeError);
  });
});
