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

/**
 * Groups I, IV (three parameters) and V, all scoring 100: the decision's minimum data set, so one
 * other parameter's sub-index can be read off.
 */
const CLEAN = { ph: 7, bod5: 1, cod: 1, toc: 1, coliform: 100 } as const;
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

  it("pesticides pass (100) at or below their limit, else 10", () => {
    expect(subIndex({ aldrin: 0.1 }, "aldrin")).toBe(100);
    expect(subIndex({ aldrin: 0.11 }, "aldrin")).toBe(10);
    expect(subIndex({ bhc: 0.02 }, "bhc")).toBe(100);
    expect(subIndex({ bhc: 0.021 }, "bhc")).toBe(10);
    expect(subIndex({ dieldrin: 0.1 }, "dieldrin")).toBe(100);
    expect(subIndex({ dieldrin: 0.2 }, "dieldrin")).toBe(10);
    expect(subIndex({ ddts: 1 }, "ddts")).toBe(100);
    expect(subIndex({ heptachlor: 0.2 }, "heptachlor")).toBe(100);
    expect(subIndex({ heptachlor: 0.3 }, "heptachlor")).toBe(10);
  });
});

/**
 * Decision 1460, Table 2 (mg/L), columns q = 100 / 75 / 50 / 25 / 10, written out here as the
 * decision prints them. "<x" in the first column: 100 below x only; ">x" in the last: 10 above x only.
 */
const TABLE_2 = {
  as: ["≤", 0.01, 0.02, 0.05, 0.1, ">", 0.1],
  cd: ["<", 0.005, 0.005, 0.008, 0.01, "≥", 0.1],
  pb: ["<", 0.02, 0.02, 0.04, 0.05, "≥", 0.5],
  cr6: ["≤", 0.01, 0.02, 0.04, 0.05, "≥", 0.1],
  cu: ["≤", 0.1, 0.2, 0.5, 1.0, "≥", 2],
  zn: ["≤", 0.5, 1.0, 1.5, 2.0, "≥", 3],
  hg: ["<", 0.001, 0.001, 0.0015, 0.002, "≥", 0.01],
} as const;

describe("heavy metals (group III): the decision's Table 2", () => {
  // The unrounded sub-index, read from the group value of a sample with this one metal.
  const q = (metal: string, value: number) => {
    const result = ok(vnWqi({ ...CLEAN, [metal]: value }));
    return result.subIndices[metal as "as"];
  };

  it.each(Object.entries(TABLE_2))("%s takes each breakpoint's q at the breakpoint", (metal, row) => {
    const [first, c100, c75, c50, c25, last, c10] = row;
    // q = 100 column
    if (first === "≤") expect(q(metal, c100)).toBe(100);
    else expect(q(metal, c100)).toBe(75); // "<x": x itself is the 75 column
    expect(q(metal, c100 * 0.5)).toBe(100);
    expect(q(metal, 0)).toBe(100);
    expect(q(metal, c75)).toBe(75);
    expect(q(metal, c50)).toBe(50);
    expect(q(metal, c25)).toBe(25);
    if (last === "≥") {
      expect(q(metal, c10)).toBe(10);
      expect(q(metal, c10 * 2)).toBe(10);
    } else {
      expect(q(metal, c10)).toBe(25); // ">x": x is still the 25 column
      expect(q(metal, c10 * 1.0001)).toBe(10);
    }
  });

  it.each(Object.entries(TABLE_2))("%s follows formula 1 between breakpoints", (metal, row) => {
    const [, c100, c75, c50, c25, last, c10] = row;
    const mid = (a: number, b: number) => (a + b) / 2;
    // Rounded as reported: halfway between 75 and 50 is 62.5 → 63, and so on.
    if (c100 !== c75) expect(q(metal, mid(c100, c75))).toBe(88); // 87.5
    expect(q(metal, mid(c75, c50))).toBe(63); // 62.5
    expect(q(metal, mid(c50, c25))).toBe(38); // 37.5
    if (last === "≥") expect(q(metal, mid(c25, c10))).toBe(18); // 17.5
  });

  it("scores the issue's example: As 0.02 mg/L → 75, not 10", () => {
    expect(q("as", 0.02)).toBe(75);
    expect(q("as", 0.03)).toBe(67); // 75 − 25·(0.01/0.03) = 66.67
    expect(q("cd", 0.0049)).toBe(100);
    expect(q("pb", 0.275)).toBe(18); // (25 + 10)/2
    expect(q("hg", 0.006)).toBe(18); // (25 + 10)/2
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
    // II: Aldrin within its limit → 100. IV: (87.5 + 100 + 100)/3 = 95.83 → 96; × pH 5.75 → 0.75 = 71.875 → 72
    const result = ok(vnWqi({ ph: 5.75, aldrin: 0.05, bod5: 5, cod: 10, toc: 4 }));
    expect(result.wqi).toBe(72);
    expect(result.groups).toEqual({ I: 75, II: 100, III: null, IV: 96, V: null });
    expect(result.category.key).toBe("moderate");
    // Formula 5 changes nothing without group V.
    expect(ok(vnWqi({ ph: 5.75, aldrin: 0.05, bod5: 5, cod: 10, toc: 4 }, { weighted: true })).wqi).toBe(72);
  });

  it("takes heavy metals as the geometric mean of their Table 2 sub-indices", () => {
    // III: √(75 · 100) = 86.60. IV: (87.5 + 87.5 + 62.5)/3 = 79.17. V: 62.5.
    // Formula 4: 0.8660 × √(79.17 × 62.5) = 0.8660 × 70.34 = 60.92 → 61.
    // Formula 5: 0.8660 × ∛(79.17² × 62.5) = 0.8660 × 73.16 = 63.36 → 63.
    const sample = { ph: 7, as: 0.02, cd: 0.004, bod5: 5, cod: 12.5, nh4: 0.45, coliform: 6250 };
    const plain = ok(vnWqi(sample));
    expect(plain.groups).toEqual({ I: 100, II: null, III: 87, IV: 79, V: 63 });
    expect(plain.wqi).toBe(61);
    expect(ok(vnWqi(sample, { weighted: true })).wqi).toBe(63);
    // The old pass/fail reading gave As 0.02 a 10: √(10·100) = 31.6 → 0.316 × 70.34 = 22.
    expect(plain.subIndices.as).toBe(75);
  });

  it("weights group IV twice in formula 5", () => {
    // IV = 100 (CLEAN), V: Coliform 10000 → 25. Formula 4: √(100·25) = 50; formula 5: ∛(100²·25) = 62.996 → 63.
    const sample = { ...CLEAN, coliform: 10_000 };
    expect(ok(vnWqi(sample)).wqi).toBe(50);
    expect(ok(vnWqi(sample, { weighted: false })).wqi).toBe(50);
    expect(ok(vnWqi(sample, { weighted: true })).wqi).toBe(63);
  });

  it("needs at least 3 of the 5 groups", () => {
    const onlyTwo = vnWqi({ ph: 7, bod5: 3, cod: 5, toc: 2 });
    expect(onlyTwo.status).toBe("insufficient_data");
    expect(onlyTwo.status === "insufficient_data" && onlyTwo.reason).toMatch(
      /at least 3 of the 5 groups .*; got 2$/,
    );
    expect(vnWqi({ bod5: 3, cod: 5, toc: 2, coliform: 100, hg: 0 }).status).toBe("ok");
  });

  it("needs the groups a water body requires: II with pesticides, III with heavy metals", () => {
    const withoutMetals = vnWqi(CLEAN, { requiredGroups: ["III"] });
    expect(withoutMetals.status).toBe("insufficient_data");
    expect(withoutMetals.status === "insufficient_data" && withoutMetals.reason).toMatch(
      /group III \(heavy metals\)/,
    );
    expect(vnWqi({ ...CLEAN, zn: 0.2 }, { requiredGroups: ["III"] }).status).toBe("ok");
    const both = vnWqi({ ...CLEAN, zn: 0.2 }, { requiredGroups: ["II", "III"] });
    expect(both.status === "insufficient_data" && both.reason).toMatch(/group II \(pesticides\)/);
    expect(vnWqi({ ...CLEAN, zn: 0.2, ddts: 0.5 }, { requiredGroups: ["II", "III"] }).status).toBe("ok");
  });

  it("scores 100 for clean water and drops unmeasured groups", () => {
    const result = ok(vnWqi({ ...CLEAN, ph: 7, coliform: 100, as: 0.001 }));
    expect(result.wqi).toBe(100);
    expect(result.category).toEqual({ key: "very_good", vi: "Rất tốt", en: "Very good", rgb: [51, 51, 255] });
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
          const at = (v: number) =>
            ok(vnWqi({ ph: 7, bod5: 2, cod: 8, toc: 3, coliform: 100, [key]: v })).wqi;
          return at(low) >= at(high);
        },
      ),
      PROPERTY_RUNS,
    );
  });
});
