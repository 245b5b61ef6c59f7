import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { AqiSubIndexKey } from "./types.js";
import {
  VN_AQI_BREAKPOINTS,
  VN_AQI_CATEGORIES,
  vnAqiAdvice,
  vnAqiCategory,
  vnAqiDaily,
  vnAqiHourly,
  vnAqiSubIndex,
} from "./vn-aqi.js";

const PROPERTY_RUNS = { seed: 1459, numRuns: 400 } as const;
const POLLUTANTS: readonly AqiSubIndexKey[] = ["pm25", "pm10", "o3_1h", "o3_8h", "no2", "so2", "co"];

/** The decision's table, typed out again here rather than read from the code under test. */
const TABLE: Record<AqiSubIndexKey, readonly number[]> = {
  o3_1h: [0, 160, 200, 300, 400, 800, 1000, 1200],
  o3_8h: [0, 100, 120, 170, 210, 400],
  co: [0, 10000, 30000, 45000, 60000, 90000, 120000, 150000],
  so2: [0, 125, 350, 550, 800, 1600, 2100, 2630],
  no2: [0, 100, 200, 700, 1200, 2350, 3100, 3850],
  pm10: [0, 50, 150, 250, 350, 420, 500, 600],
  pm25: [0, 25, 50, 80, 150, 250, 350, 500],
};
const INDEX = [0, 50, 100, 150, 200, 300, 400, 500];
const top = (p: AqiSubIndexKey) => TABLE[p].at(-1) as number;

// Hourly means 09:00 … 20:00 from the decision; c1 (20:00, the current hour) goes first.
const WORKED_PM25 = [26.9, 24.7, 20.5, 23.5, 19.5, 16.5, 19.0, 16.5, 20.3, 22.4, 19.6, 20.6].reverse();

function ok<T extends { status: string }>(outcome: T): Extract<T, { status: "ok" }> {
  if (outcome.status !== "ok") throw new Error(`expected a result, got ${JSON.stringify(outcome)}`);
  return outcome as Extract<T, { status: "ok" }>;
}

describe("the decision's worked examples", () => {
  it("hourly: NowCast ≈ 20.3 → 41, O3 136.1 → 43, NO2 118.7 → 59, AQI 59 Trung bình", () => {
    const result = ok(vnAqiHourly({ pm25: WORKED_PM25, o3: 136.1, no2: 118.7 }));
    expect(result.nowcast).toEqual({ pm25: 20.3, pm10: null });
    expect(result.subIndices).toEqual({ pm25: 41, o3_1h: 43, no2: 59 });
    expect(result.aqi).toBe(59);
    expect(result.dominant).toBe("no2");
    expect(result.category).toEqual({
      key: "moderate",
      vi: "Trung bình",
      en: "Moderate",
      rgb: [255, 255, 0],
    });
    expect(result.advice.sensitive.en).toMatch(/symptom|signs/i);
  });

  it("hourly NO2 118.7 is 59.35 before rounding (the decision prints 60; the formula gives 59)", () => {
    expect(vnAqiSubIndex("no2", 118.7)).toBeCloseTo(59.35, 10);
  });

  it("daily: O3 8h 89.3 → 45, O3 1h 114.6 → 36, NO2 130.8 → 65, PM2.5 55.7 → 109.5 → 110, AQI 110 Kém", () => {
    expect(vnAqiSubIndex("pm25", 55.7)).toBeCloseTo(109.5, 10);
    const result = ok(vnAqiDaily({ pm25: 55.7, o3_1h: 114.6, o3_8h: 89.3, no2: 130.8 }));
    expect(result.subIndices).toEqual({ pm25: 110, o3_1h: 36, o3_8h: 45, no2: 65 });
    expect(result.aqi).toBe(110);
    expect(result.dominant).toBe("pm25");
    expect(result.category).toEqual({ key: "poor", vi: "Kém", en: "Poor", rgb: [255, 126, 0] });
    expect(result.nowcast).toBeUndefined();
  });
});

describe("vnAqiSubIndex", () => {
  it("gives exactly I_i on every breakpoint", () => {
    for (const pollutant of POLLUTANTS) {
      TABLE[pollutant].forEach((bp, i) => {
        expect(vnAqiSubIndex(pollutant, bp), `${pollutant} at ${bp}`).toBe(INDEX[i]);
      });
    }
  });

  it("interpolates linearly between breakpoints", () => {
    expect(vnAqiSubIndex("pm25", 37.5)).toBe(75);
    expect(vnAqiSubIndex("pm10", 100)).toBe(75);
    expect(vnAqiSubIndex("co", 20000)).toBe(75);
    expect(vnAqiSubIndex("so2", 237.5)).toBe(75);
    expect(vnAqiSubIndex("pm25", 300)).toBe(350);
    expect(vnAqiSubIndex("o3_8h", 305)).toBe(250);
  });

  it("caps at 500 above the top breakpoint", () => {
    expect(vnAqiSubIndex("pm25", 500.1)).toBe(500);
    expect(vnAqiSubIndex("pm25", 1e9)).toBe(500);
    expect(vnAqiSubIndex("o3_1h", 5000)).toBe(500);
    expect(vnAqiSubIndex("co", 150_001)).toBe(500);
  });

  it("skips O3 8h above 400 (null) but not at 400", () => {
    expect(vnAqiSubIndex("o3_8h", 400)).toBe(300);
    expect(vnAqiSubIndex("o3_8h", 400.01)).toBeNull();
  });

  it("refuses negative or non-finite concentrations, naming the pollutant", () => {
    expect(() => vnAqiSubIndex("pm25", -0.1)).toThrow(/pm25/);
    expect(() => vnAqiSubIndex("co", Number.NaN)).toThrow(RangeError);
    expect(() => vnAqiSubIndex("no2", Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });

  it("is monotone non-decreasing in concentration (property)", () => {
    for (const pollutant of POLLUTANTS) {
      const max = pollutant === "o3_8h" ? 400 : top(pollutant) * 1.2;
      const c = fc.double({ min: 0, max, noNaN: true });
      fc.assert(
        fc.property(c, c, (a, b) => {
          const [low, high] = a <= b ? [a, b] : [b, a];
          return (vnAqiSubIndex(pollutant, low) as number) <= (vnAqiSubIndex(pollutant, high) as number);
        }),
        PROPERTY_RUNS,
      );
    }
  });

  it("is continuous, breakpoints included: never steeper than its steepest segment (property)", () => {
    for (const pollutant of POLLUTANTS) {
      const bps = TABLE[pollutant];
      const steepest = Math.max(
        ...bps
          .slice(1)
          .map((bp, i) => ((INDEX[i + 1] as number) - (INDEX[i] as number)) / (bp - (bps[i] as number))),
      );
      // Pairs straddling a breakpoint as well as arbitrary pairs, up to and beyond the top (capped).
      const anywhere = fc.double({
        min: 0,
        max: pollutant === "o3_8h" ? 400 : top(pollutant) * 1.5,
        noNaN: true,
      });
      const nearBreakpoint = fc
        .tuple(fc.constantFrom(...bps.slice(1)), fc.double({ min: -1, max: 1, noNaN: true }))
        .map(([bp, offset]) =>
          Math.min(Math.max(bp + offset * bp * 1e-3, 0), pollutant === "o3_8h" ? 400 : Infinity),
        );
      const point = fc.oneof(anywhere, nearBreakpoint);
      fc.assert(
        fc.property(point, point, (a, b) => {
          const jump = Math.abs(
            (vnAqiSubIndex(pollutant, a) as number) - (vnAqiSubIndex(pollutant, b) as number),
          );
          return jump <= steepest * Math.abs(a - b) + 1e-9;
        }),
        PROPERTY_RUNS,
      );
    }
  });

  it("meets at every shared end point from both sides", () => {
    for (const pollutant of POLLUTANTS) {
      const bps = TABLE[pollutant];
      bps.slice(1, -1).forEach((bp, i) => {
        const below = vnAqiSubIndex(pollutant, bp * (1 - 1e-9)) as number;
        const above = vnAqiSubIndex(pollutant, bp * (1 + 1e-9)) as number;
        expect(below).toBeCloseTo(INDEX[i + 1] as number, 4);
        expect(above).toBeCloseTo(INDEX[i + 1] as number, 4);
      });
    }
  });

  it("uses the decision's table", () => {
    for (const pollutant of POLLUTANTS) {
      expect(VN_AQI_BREAKPOINTS[pollutant].map(([c]) => c)).toEqual(TABLE[pollutant]);
    }
  });
});

describe("vnAqiHourly", () => {
  it("needs a PM2.5 or PM10 NowCast", () => {
    const noPm = vnAqiHourly({ o3: 100, no2: 50, so2: 20, co: 1000 });
    expect(noPm.status).toBe("insufficient_data");
    expect(noPm.status === "insufficient_data" && noPm.reason).toMatch(/PM2\.5 or PM10/);
    expect(vnAqiHourly({}).status).toBe("insufficient_data");
    expect(vnAqiHourly({ pm25: [null, null, 30, 30], pm10: [40] }).status).toBe("insufficient_data");
    expect(vnAqiHourly({ pm25: Array(12).fill(null), pm10: [] }).status).toBe("insufficient_data");
  });

  it("computes from PM10 alone, and from PM2.5 with missing hours", () => {
    const pm10 = ok(vnAqiHourly({ pm10: [100, 100, 100] }));
    expect(pm10).toMatchObject({ aqi: 75, dominant: "pm10", subIndices: { pm10: 75 } });
    expect(pm10.nowcast).toEqual({ pm25: null, pm10: 100 });
    // c1 = 37.5, c2 missing, c3 = 37.5: constant → 37.5 → 75
    expect(ok(vnAqiHourly({ pm25: [37.5, null, 37.5] })).aqi).toBe(75);
  });

  it("reports the hourly O3 under o3_1h and names O3 dominant when it is highest", () => {
    const result = ok(vnAqiHourly({ pm25: [10, 10], o3: 400, co: 0 }));
    expect(result.subIndices).toEqual({ pm25: 20, o3_1h: 200, co: 0 });
    expect(result).toMatchObject({ aqi: 200, dominant: "o3" });
    expect(result.category.key).toBe("bad");
  });

  it("breaks exact ties in the documented order (PM2.5, PM10, O3, NO2, SO2, CO)", () => {
    // Every sub-index is 75.
    const result = ok(vnAqiHourly({ pm10: [100, 100], co: 20000, so2: 237.5, pm25: [37.5, 37.5] }));
    expect(result.dominant).toBe("pm25");
    expect(ok(vnAqiHourly({ pm10: [100, 100], co: 20000, so2: 237.5 })).dominant).toBe("pm10");
  });

  it("caps at 500", () => {
    expect(ok(vnAqiHourly({ pm25: [900, 900, 900] })).aqi).toBe(500);
  });

  it("refuses negative or non-finite input, naming the field", () => {
    expect(() => vnAqiHourly({ pm25: [10, -1] })).toThrow(/pm25\[1\]/);
    expect(() => vnAqiHourly({ pm10: [10, 10], o3: -3 })).toThrow(/o3/);
    expect(() => vnAqiHourly({ pm10: [10, 10], co: Number.NaN })).toThrow(RangeError);
  });

  const concentration = (max: number) =>
    fc.option(fc.double({ min: 0, max, noNaN: true }), { nil: undefined });
  const series = fc.option(
    fc.array(fc.option(fc.double({ min: 0, max: 700, noNaN: true }), { nil: null, freq: 4 }), {
      maxLength: 12,
    }),
    { nil: undefined },
  );

  it("AQI equals the largest sub-index, rounded, and the dominant pollutant holds it (property)", () => {
    fc.assert(
      fc.property(
        fc.record({
          pm25: series,
          pm10: series,
          o3: concentration(1500),
          no2: concentration(4000),
          so2: concentration(3000),
          co: concentration(160_000),
        }),
        (input) => {
          const outcome = vnAqiHourly(input);
          if (outcome.status !== "ok") {
            return outcome.reason.length > 0;
          }
          const reported = Object.values(outcome.subIndices) as number[];
          const dominantKey = outcome.dominant === "o3" ? "o3_1h" : outcome.dominant;
          return (
            outcome.aqi === Math.max(...reported) &&
            outcome.subIndices[dominantKey] === outcome.aqi &&
            Number.isInteger(outcome.aqi) &&
            outcome.aqi >= 0 &&
            outcome.aqi <= 500 &&
            outcome.category.key === vnAqiCategory(outcome.aqi).key
          );
        },
      ),
      PROPERTY_RUNS,
    );
  });
});

describe("vnAqiDaily", () => {
  it("needs a PM2.5 or PM10 24-hour mean", () => {
    const outcome = vnAqiDaily({ o3_1h: 100, no2: 50 });
    expect(outcome.status).toBe("insufficient_data");
    expect(outcome.status === "insufficient_data" && outcome.reason).toMatch(/PM2\.5 or PM10/);
    expect(vnAqiDaily({ pm25: null, pm10: null }).status).toBe("insufficient_data");
  });

  it("takes the larger of the O3 1h and 8h sub-indices", () => {
    // 1h 400 → 200; 8h 170 → 150
    expect(ok(vnAqiDaily({ pm10: 0, o3_1h: 400, o3_8h: 170 }))).toMatchObject({ aqi: 200, dominant: "o3" });
    // 1h 160 → 50; 8h 210 → 200
    const result = ok(vnAqiDaily({ pm10: 0, o3_1h: 160, o3_8h: 210 }));
    expect(result).toMatchObject({ aqi: 200, dominant: "o3", subIndices: { o3_1h: 50, o3_8h: 200 } });
  });

  it("leaves out the O3 8h sub-index above 400 µg/m³", () => {
    // 1h 450 → 200 + 100·50/400 = 212.5 → 213
    const result = ok(vnAqiDaily({ pm25: 10, o3_1h: 450, o3_8h: 450 }));
    expect(result.subIndices).toEqual({ pm25: 20, o3_1h: 213 });
    expect(result.aqi).toBe(213);
    expect(ok(vnAqiDaily({ pm25: 10, o3_8h: 401 })).subIndices).toEqual({ pm25: 20 });
  });

  it("rounds 109.5 up and the AQI equals the largest reported sub-index (property)", () => {
    const value = (max: number) => fc.option(fc.double({ min: 0, max, noNaN: true }), { nil: null });
    fc.assert(
      fc.property(
        fc.record({
          pm25: value(600),
          pm10: value(700),
          o3_1h: value(1500),
          o3_8h: value(500),
          no2: value(4000),
          so2: value(3000),
          co: value(160_000),
        }),
        (input) => {
          const outcome = vnAqiDaily(input);
          if (input.pm25 === null && input.pm10 === null) return outcome.status === "insufficient_data";
          if (outcome.status !== "ok") return false;
          const unrounded = (Object.entries(input) as [AqiSubIndexKey, number | null][])
            .map(([key, c]) => (c === null ? null : vnAqiSubIndex(key, c)))
            .filter((v): v is number => v !== null);
          return (
            outcome.aqi === Math.max(...(Object.values(outcome.subIndices) as number[])) &&
            Math.abs(outcome.aqi - Math.max(...unrounded)) <= 0.5 + 1e-9
          );
        },
      ),
      PROPERTY_RUNS,
    );
  });

  it("refuses negative or non-finite input, naming the field", () => {
    expect(() => vnAqiDaily({ pm25: 10, o3_8h: -1 })).toThrow(/o3_8h/);
    expect(() => vnAqiDaily({ pm25: Number.NEGATIVE_INFINITY })).toThrow(/pm25/);
  });
});

describe("vnAqiCategory and vnAqiAdvice", () => {
  it("bands 0–50, 51–100, 101–150, 151–200, 201–300, 301–500 with the decision's colours", () => {
    const at = (aqi: number) => {
      const c = vnAqiCategory(aqi);
      return [c.key, c.vi, c.rgb.join(",")].join(" ");
    };
    expect(at(0)).toBe("good Tốt 0,228,0");
    expect(at(50)).toBe("good Tốt 0,228,0");
    expect(at(51)).toBe("moderate Trung bình 255,255,0");
    expect(at(100)).toBe("moderate Trung bình 255,255,0");
    expect(at(101)).toBe("poor Kém 255,126,0");
    expect(at(150)).toBe("poor Kém 255,126,0");
    expect(at(151)).toBe("bad Xấu 255,0,0");
    expect(at(200)).toBe("bad Xấu 255,0,0");
    expect(at(201)).toBe("very_bad Rất xấu 143,63,151");
    expect(at(300)).toBe("very_bad Rất xấu 143,63,151");
    expect(at(301)).toBe("hazardous Nguy hại 126,0,35");
    expect(at(500)).toBe("hazardous Nguy hại 126,0,35");
    expect(VN_AQI_CATEGORIES.map((c) => c.en)).toEqual([
      "Good",
      "Moderate",
      "Poor",
      "Bad",
      "Very bad",
      "Hazardous",
    ]);
  });

  it("rounds a fractional AQI half-up before banding", () => {
    expect(vnAqiCategory(50.4).key).toBe("good");
    expect(vnAqiCategory(50.5).key).toBe("moderate");
  });

  it("advises in Vietnamese and English for the public and sensitive groups", () => {
    expect(vnAqiAdvice(20).general.en).toMatch(/as usual/);
    expect(vnAqiAdvice(120).general.vi).toMatch(/ngoài trời/);
    expect(vnAqiAdvice(175).sensitive.en).toMatch(/indoors/);
    expect(vnAqiAdvice(250).general.en).toMatch(/mask/);
    expect(vnAqiAdvice(400).general.en).toMatch(/windows/);
    for (const aqi of [0, 75, 125, 175, 250, 400]) {
      const advice = vnAqiAdvice(aqi);
      for (const text of [advice.general.vi, advice.general.en, advice.sensitive.vi, advice.sensitive.en]) {
        expect(text.length).toBeGreaterThan(5);
      }
    }
  });

  it("refuses a negative or non-finite AQI", () => {
    expect(() => vnAqiCategory(-1)).toThrow(RangeError);
    expect(() => vnAqiAdvice(Number.NaN)).toThrow(RangeError);
  });
});
