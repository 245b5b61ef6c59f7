import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  doPercent,
  doSaturation,
  VN_WQI_CATEGORIES,
  type VnWqiInput,
  vnWqi,
  vnWqiCategory,
} from "./vn-wqi.js";

const PROPERTY_RUNS = { seed: 1460, numRuns: 500 } as const;

function ok<T extends { status: string }>(outcome: T): Extract<T, { status: "ok" }> {
  if (outcome.status !== "ok") throw new Error(`expected a result, got ${JSON.stringify(outcome)}`);
  return outcome as Extract<T, { status: "ok" }>;
}

/** Three group IV parameters that all score 100, so one other parameter's sub-index can be read off. */
const CLEAN = { bod5: 1, cod: 1, toc: 1 } as const;
const subIndex = (input: VnWqiInput, key: string) =>
  (ok(vnWqi({ ...CLEAN, ...input })).subIndices as Record<string, number>)[key];

describe("dissolved oxygen", () => {
  it("saturation follows the decision's polynomial", () => {
    // 14.652 − 8.2044 + 3.1964 − 0.622192 at 20 °C
    expect(doSaturation(20)).toBeCloseTo(9.021808, 9);
    expect(doSaturation(0)).toBeCloseTo(14.652, 12);
    expect(doPercent(9.021808 / 2, 20)).toBeCloseTo(50, 9);
  });

  it("refuses temperatures outside 0–50 °C and invalid DO", () => {
    expect(() => doSaturation(-1)).toThrow(/temperature/);
    expect(() => doSaturation(51)).toThrow(RangeError);
    expect(() => doSaturation(Number.NaN)).toThrow(RangeError);
    expect(() => doPercent(-1, 20)).toThrow(/do/);
  });
});

describe("sub-indices per parameter (rounded as reported)", () => {
  it("pH", () => {
    expect(subIndex({ ph: 7 }, "ph")).toBe(100);
    expect(subIndex({ ph: 6 }, "ph")).toBe(100);
    expect(subIndex({ ph: 8.5 }, "ph")).toBe(100);
    expect(subIndex({ ph: 5.75 }, "ph")).toBe(75);
    expect(subIndex({ ph: 5.5 }, "ph")).toBe(50);
    expect(subIndex({ ph: 5.49 }, "ph")).toBe(10);
    expect(subIndex({ ph: 8.75 }, "ph")).toBe(75);
    expect(subIndex({ ph: 9 }, "ph")).toBe(50);
    expect(subIndex({ ph: 9.01 }, "ph")).toBe(10);
  });

  it("DO % saturation", () => {
    const sat20 = 9.021808;
    const at = (percent: number) => subIndex({ do: (sat20 * percent) / 100, temperature: 20 }, "do");
    expect(at(100)).toBe(100);
    expect(at(88)).toBe(100);
    expect(at(112)).toBe(100);
    expect(at(62.5)).toBe(63); // 50 + 25·12.5/25 = 62.5
    expect(at(20)).toBe(25);
    expect(at(19)).toBe(10);
    expect(at(200)).toBe(25);
    expect(at(210)).toBe(10);
    expect(at(137.5)).toBe(63); // 75 − 25·12.5/25 = 62.5
    expect(ok(vnWqi({ ...CLEAN, do: sat20 * 0.5, temperature: 20 })).doSaturationPercent).toBe(50);
  });

  it("BOD5, COD, TOC, P-PO4", () => {
    expect(subIndex({ bod5: 4 }, "bod5")).toBe(100);
    expect(subIndex({ bod5: 3 }, "bod5")).toBe(100);
    expect(subIndex({ bod5: 5 }, "bod5")).toBe(88); // 87.5
    expect(subIndex({ bod5: 50 }, "bod5")).toBe(10);
    expect(subIndex({ bod5: 80 }, "bod5")).toBe(10);
    expect(subIndex({ cod: 22.5 }, "cod")).toBe(63); // 62.5
    expect(subIndex({ cod: 150 }, "cod")).toBe(10);
    expect(subIndex({ bod5: 1, cod: 1, toc: 20 }, "toc")).toBe(38); // 37.5
    expect(subIndex({ po4: 0.4 }, "po4")).toBe(38); // 37.5
    expect(subIndex({ po4: 4 }, "po4")).toBe(10);
  });

  it("N-NH4: 100 below 0.3, 75 at 0.3, down to 10 at 5", () => {
    expect(subIndex({ nh4: 0.29 }, "nh4")).toBe(100);
    expect(subIndex({ nh4: 0.3 }, "nh4")).toBe(75);
    expect(subIndex({ nh4: 0.45 }, "nh4")).toBe(63); // 62.5
    expect(subIndex({ nh4: 0.9 }, "nh4")).toBe(25);
    expect(subIndex({ nh4: 5 }, "nh4")).toBe(10);
    expect(subIndex({ nh4: 9 }, "nh4")).toBe(10);
  });

  it("N-NO3, N-NO2", () => {
    expect(subIndex({ no3: 2 }, "no3")).toBe(100);
    expect(subIndex({ no3: 3.5 }, "no3")).toBe(88); // 87.5
    expect(subIndex({ no3: 15 }, "no3")).toBe(25);
    expect(subIndex({ no3: 15.1 }, "no3")).toBe(10);
    expect(subIndex({ no2: 0.05 }, "no2")).toBe(100);
    expect(subIndex({ no2: 0.051 }, "no2")).toBe(10);
  });

  it("Coliform and E. coli", () => {
    expect(subIndex({ coliform: 2500 }, "coliform")).toBe(100);
    expect(subIndex({ coliform: 6250 }, "coliform")).toBe(63); // 62.5
    expect(subIndex({ coliform: 10_000 }, "coliform")).toBe(25);
    expect(subIndex({ coliform: 10_001 }, "coliform")).toBe(10);
    expect(subIndex({ ecoli: 35 }, "ecoli")).toBe(88); // 87.5
    expect(subIndex({ ecoli: 201 }, "ecoli")).toBe(10);
  });

  it("pesticides and heavy metals pass (100) at or below their limit, else 10", () => {
    expect(subIndex({ aldrin: 0.1 }, "aldrin")).toBe(100);
    expect(subIndex({ aldrin: 0.11 }, "aldrin")).toBe(10);
    expect(subIndex({ bhc: 0.021 }, "bhc")).toBe(10);
    expect(subIndex({ ddts: 1 }, "ddts")).toBe(100);
    expect(subIndex({ heptachlor: 0.3 }, "heptachlor")).toBe(10);
    expect(subIndex({ as: 0.01 }, "as")).toBe(100);
    expect(subIndex({ as: 0.02 }, "as")).toBe(10);
    expect(subIndex({ hg: 0.002 }, "hg")).toBe(10);
  });
});

describe("vnWqi", () => {
  it("combines the groups with the decision's formula", () => {
    // I: 100. II: √(10·100) = 31.62. IV: (87.5 + 87.5 + 62.5)/3 = 79.17. V: 62.5.
    // 1 × 0.3162 × √(79.17 × 62.5) = 22.24 → 22, Kém.
    const result = ok(
      vnWqi({ ph: 7, aldrin: 0.2, bhc: 0.01, bod5: 5, cod: 12.5, nh4: 0.45, coliform: 6250 }),
    );
    expect(result.wqi).toBe(22);
    expect(result.groups).toEqual({ I: 100, II: 32, III: null, IV: 79, V: 63 });
    expect(result.category).toEqual({ key: "bad", vi: "Kém", en: "Bad", rgb: [255, 0, 0] });
  });

  it("uses mean WQI_IV as the last factor without group V", () => {
    // IV: (87.5 + 100 + 100)/3 = 95.83 → 96; × pH 5.75 → 0.75 = 71.875 → 72
    const result = ok(vnWqi({ ph: 5.75, bod5: 5, cod: 10, toc: 4 }));
    expect(result.wqi).toBe(72);
    expect(result.groups).toEqual({ I: 75, II: null, III: null, IV: 96, V: null });
    expect(result.category.key).toBe("moderate");
  });

  it("scores 100 for clean water and drops unmeasured groups", () => {
    const result = ok(vnWqi({ ...CLEAN, ph: 7, coliform: 100, as: 0.001 }));
    expect(result.wqi).toBe(100);
    expect(result.category).toEqual({ key: "very_good", vi: "Rất tốt", en: "Very good", rgb: [51, 51, 255] });
  });

  it("accepts other heavy-metal limits", () => {
    const limits = { as: 0.05, cd: 0.005, pb: 0.02, cr6: 0.01, cu: 0.1, zn: 0.5, hg: 0.001 };
    expect(ok(vnWqi({ ...CLEAN, as: 0.02 }, { heavyMetalLimits: limits })).wqi).toBe(100);
    expect(ok(vnWqi({ ...CLEAN, as: 0.02 })).wqi).toBe(10);
    expect(() => vnWqi(CLEAN, { heavyMetalLimits: { ...limits, hg: -1 } })).toThrow(/hg/);
  });

  it("needs at least 3 group IV parameters", () => {
    const outcome = vnWqi({ ph: 7, bod5: 3, cod: 5, coliform: 100, aldrin: 0 });
    expect(outcome.status).toBe("insufficient_data");
    expect(outcome.status === "insufficient_data" && outcome.reason).toMatch(/group IV/);
    expect(vnWqi({}).status).toBe("insufficient_data");
  });

  it("needs the water temperature for DO in mg/L", () => {
    const outcome = vnWqi({ ...CLEAN, do: 7 });
    expect(outcome.status).toBe("insufficient_data");
    expect(outcome.status === "insufficient_data" && outcome.reason).toMatch(/temperature/);
  });

  it("refuses negative or non-finite values, pH above 14, impossible temperatures", () => {
    expect(() => vnWqi({ ...CLEAN, bod5: -1 })).toThrow(/bod5/);
    expect(() => vnWqi({ ...CLEAN, coliform: Number.POSITIVE_INFINITY })).toThrow(/coliform/);
    expect(() => vnWqi({ ...CLEAN, ph: 15 })).toThrow(/ph/);
    expect(() => vnWqi({ ...CLEAN, do: 7, temperature: 80 })).toThrow(/temperature/);
    expect(() => vnWqi({ ...CLEAN, temperature: Number.NaN })).toThrow(/temperature/);
  });

  it("bands 91–100, 76–90, 51–75, 26–50, 10–25, < 10 with the decision's colours", () => {
    const at = (wqi: number) => `${vnWqiCategory(wqi).key} ${vnWqiCategory(wqi).rgb.join(",")}`;
    expect(at(100)).toBe("very_good 51,51,255");
    expect(at(91)).toBe("very_good 51,51,255");
    expect(at(90)).toBe("good 0,228,0");
    expect(at(76)).toBe("good 0,228,0");
    expect(at(75)).toBe("moderate 255,255,0");
    expect(at(51)).toBe("moderate 255,255,0");
    expect(at(50)).toBe("poor 255,126,0");
    expect(at(26)).toBe("poor 255,126,0");
    expect(at(25)).toBe("bad 255,0,0");
    expect(at(10)).toBe("bad 255,0,0");
    expect(at(9)).toBe("heavily_polluted 126,0,35");
    expect(at(0)).toBe("heavily_polluted 126,0,35");
    expect(VN_WQI_CATEGORIES.map((c) => c.vi)).toEqual([
      "Rất tốt",
      "Tốt",
      "Trung bình",
      "Xấu",
      "Kém",
      "Ô nhiễm rất nặng",
    ]);
    expect(() => vnWqiCategory(101)).toThrow(RangeError);
  });

  it("stays an integer within 0–100 whatever was measured (property)", () => {
    const value = (max: number) => fc.option(fc.double({ min: 0, max, noNaN: true }), { nil: undefined });
    const input = fc.record({
      ph: value(14),
      aldrin: value(1),
      bhc: value(1),
      dieldrin: value(1),
      ddts: value(5),
      heptachlor: value(1),
      as: value(0.1),
      cd: value(0.1),
      pb: value(0.1),
      cr6: value(0.1),
      cu: value(1),
      zn: value(2),
      hg: value(0.01),
      do: value(20),
      temperature: fc.double({ min: 0, max: 50, noNaN: true }),
      bod5: value(100),
      cod: value(300),
      toc: value(100),
      nh4: value(10),
      no3: value(30),
      no2: value(0.2),
      po4: value(8),
      coliform: value(50_000),
      ecoli: value(1000),
    });
    fc.assert(
      fc.property(input, (sample) => {
        const outcome = vnWqi(sample);
        if (outcome.status !== "ok") return outcome.reason.length > 0;
        const groupValues = Object.values(outcome.groups).filter((v): v is number => v !== null);
        const subValues = Object.values(outcome.subIndices) as number[];
        return (
          Number.isInteger(outcome.wqi) &&
          outcome.wqi >= 0 &&
          outcome.wqi <= 100 &&
          groupValues.every((v) => v >= 10 && v <= 100) &&
          subValues.every((v) => v >= 10 && v <= 100) &&
          outcome.category.key === vnWqiCategory(outcome.wqi).key
        );
      }),
      PROPERTY_RUNS,
    );
  });

  it("never rises when a group IV pollutant rises, DO aside (property)", () => {
    const level = fc.double({ min: 0, max: 200, noNaN: true });
    fc.assert(
      fc.property(
        fc.constantFrom("bod5", "cod", "toc", "nh4", "no3", "no2", "po4"),
        level,
        level,
        (key, a, b) => {
          const [low, high] = a <= b ? [a, b] : [b, a];
          const at = (v: number) => ok(vnWqi({ ph: 7, bod5: 2, cod: 8, toc: 3, [key]: v })).wqi;
          return at(low) >= at(high);
        },
      ),
      PROPERTY_RUNS,
    );
  });
});
