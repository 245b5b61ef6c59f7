import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  US_AQI_CATEGORIES,
  type UsAqiPollutant,
  usAqi,
  usAqiCategory,
  usAqiHourly,
  usAqiSubIndex,
  usAqiTruncate,
} from "./us-aqi.js";

const PROPERTY_RUNS = { seed: 2024, numRuns: 400 } as const;

function ok<T extends { status: string }>(outcome: T): Extract<T, { status: "ok" }> {
  if (outcome.status !== "ok") throw new Error(`expected a result, got ${JSON.stringify(outcome)}`);
  return outcome as Extract<T, { status: "ok" }>;
}

describe("usAqiSubIndex", () => {
  it("uses the PM2.5 breakpoints in force since 6 May 2024", () => {
    const cases: [number, number][] = [
      [0, 0],
      [9.0, 50],
      [9.1, 51],
      [35.4, 100],
      [35.5, 101],
      [55.4, 150],
      [55.5, 151],
      [125.4, 200],
      [125.5, 201],
      [225.4, 300],
      [225.5, 301],
      [325.4, 500],
    ];
    for (const [c, aqi] of cases) expect(usAqiSubIndex("pm25", c), `PM2.5 ${c}`).toBeCloseTo(aqi, 10);
  });

  it("uses the PM10 breakpoints", () => {
    const cases: [number, number][] = [
      [54, 50],
      [55, 51],
      [154, 100],
      [155, 101],
      [254, 150],
      [255, 151],
      [354, 200],
      [355, 201],
      [424, 300],
      [425, 301],
      [604, 500],
    ];
    for (const [c, aqi] of cases) expect(usAqiSubIndex("pm10", c), `PM10 ${c}`).toBeCloseTo(aqi, 10);
  });

  it("truncates before the formula (PM2.5 to 0.1, PM10 to 1)", () => {
    expect(usAqiTruncate("pm25", 35.49)).toBe(35.4);
    expect(usAqiSubIndex("pm25", 35.49)).toBeCloseTo(100, 10);
    expect(usAqiSubIndex("pm25", 9.09)).toBe(50);
    expect(usAqiTruncate("pm10", 154.9)).toBe(154);
    expect(usAqiSubIndex("pm10", 154.9)).toBeCloseTo(100, 10);
    // 12.0 → 51 + 49·2.9/26.3 = 56.40
    expect(usAqiSubIndex("pm25", 12.04)).toBeCloseTo(56.403, 3);
  });

  it("caps at 500 above the top breakpoint", () => {
    expect(usAqiSubIndex("pm25", 325.5)).toBe(500);
    expect(usAqiSubIndex("pm25", 900)).toBe(500);
    expect(usAqiSubIndex("pm10", 605)).toBe(500);
  });

  it("is monotone non-decreasing (property)", () => {
    for (const pollutant of ["pm25", "pm10"] as UsAqiPollutant[]) {
      const c = fc.double({ min: 0, max: 800, noNaN: true });
      fc.assert(
        fc.property(c, c, (a, b) => {
          const [low, high] = a <= b ? [a, b] : [b, a];
          return usAqiSubIndex(pollutant, low) <= usAqiSubIndex(pollutant, high);
        }),
        PROPERTY_RUNS,
      );
    }
  });

  it("refuses negative or non-finite input", () => {
    expect(() => usAqiSubIndex("pm25", -1)).toThrow(/pm25/);
    expect(() => usAqi({ pm10: Number.NaN })).toThrow(/pm10/);
    expect(() => usAqiHourly({ pm25: [1, Number.POSITIVE_INFINITY] })).toThrow(/pm25\[1\]/);
  });
});

describe("usAqi and usAqiHourly", () => {
  it("takes the larger of PM2.5 and PM10 with EPA categories and colours", () => {
    const result = ok(usAqi({ pm25: 40, pm10: 100 }));
    // PM2.5 40 → 101 + 49·4.5/19.9 = 112.08; PM10 100 → 51 + 49·45/99 = 73.27
    expect(result).toMatchObject({ aqi: 112, dominant: "pm25", subIndices: { pm25: 112, pm10: 73 } });
    expect(result.category).toEqual({
      key: "unhealthy_for_sensitive_groups",
      vi: "Có hại cho nhóm nhạy cảm",
      en: "Unhealthy for Sensitive Groups",
      rgb: [255, 126, 0],
    });
  });

  it("lists the six EPA categories with their colours", () => {
    expect(US_AQI_CATEGORIES.map((c) => `${c.en} ${c.rgb.join(",")}`)).toEqual([
      "Good 0,228,0",
      "Moderate 255,255,0",
      "Unhealthy for Sensitive Groups 255,126,0",
      "Unhealthy 255,0,0",
      "Very Unhealthy 143,63,151",
      "Hazardous 126,0,35",
    ]);
    expect(usAqiCategory(151).key).toBe("unhealthy");
    expect(usAqiCategory(201).key).toBe("very_unhealthy");
    expect(usAqiCategory(301).key).toBe("hazardous");
  });

  it("is insufficient without PM", () => {
    expect(usAqi({}).status).toBe("insufficient_data");
    expect(usAqiHourly({ pm25: [10], pm10: [null, null, 3] }).status).toBe("insufficient_data");
  });

  it("uses the NowCast, truncated, for the hourly index", () => {
    const hours = [26.9, 24.7, 20.5, 23.5, 19.5, 16.5, 19.0, 16.5, 20.3, 22.4, 19.6, 20.6].reverse();
    // NowCast 20.2658 → 20.2 → 51 + 49·11.1/26.3 = 71.68
    const result = ok(usAqiHourly({ pm25: hours }));
    expect(result).toMatchObject({ aqi: 72, dominant: "pm25", nowcast: { pm25: 20.2, pm10: null } });
    expect(result.category.key).toBe("moderate");
  });
});
