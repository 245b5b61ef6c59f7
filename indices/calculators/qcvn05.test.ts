import { describe, expect, it } from "vitest";
import { QCVN05_2023_LIMITS, type Qcvn05Limits, qcvn05Exceedances, qcvn05LimitAt } from "./qcvn05.js";

// Local days in Vietnam (UTC+7).
const DEC_31_2025 = Date.parse("2025-12-31T00:00:00+07:00");
const JAN_1_2026 = Date.parse("2026-01-01T00:00:00+07:00");

describe("qcvn05LimitAt", () => {
  it("holds the regulation's limits", () => {
    const at = DEC_31_2025;
    expect(qcvn05LimitAt("so2", "1h", at)).toBe(350);
    expect(qcvn05LimitAt("so2", "24h", at)).toBe(125);
    expect(qcvn05LimitAt("co", "1h", at)).toBe(30_000);
    expect(qcvn05LimitAt("co", "8h", at)).toBe(10_000);
    expect(qcvn05LimitAt("no2", "1h", at)).toBe(200);
    expect(qcvn05LimitAt("no2", "24h", at)).toBe(100);
    expect(qcvn05LimitAt("o3", "1h", at)).toBe(200);
    expect(qcvn05LimitAt("o3", "8h", at)).toBe(120);
    expect(qcvn05LimitAt("tsp", "1h", at)).toBe(300);
    expect(qcvn05LimitAt("tsp", "24h", at)).toBe(200);
    expect(qcvn05LimitAt("pm10", "24h", at)).toBe(100);
    expect(qcvn05LimitAt("pm25", "year", at)).toBe(25);
    expect(qcvn05LimitAt("pm10", "1h", at)).toBeNull();
  });

  it("tightens PM2.5 24h from 50 to 45 on 1 January 2026, Vietnam time", () => {
    expect(qcvn05LimitAt("pm25", "24h", DEC_31_2025)).toBe(50);
    expect(qcvn05LimitAt("pm25", "24h", JAN_1_2026 - 1)).toBe(50);
    expect(qcvn05LimitAt("pm25", "24h", JAN_1_2026)).toBe(45);
    expect(qcvn05LimitAt("pm25", "24h", Date.parse("2030-06-01T00:00:00Z"))).toBe(45);
  });
});

describe("qcvn05Exceedances", () => {
  it("lists only the averages strictly above their limit, with the excess", () => {
    const result = qcvn05Exceedances([
      { pollutant: "pm25", period: "24h", value: 47, at: DEC_31_2025 },
      { pollutant: "pm25", period: "24h", value: 47, at: JAN_1_2026 },
      { pollutant: "co", period: "8h", value: 10_000, at: JAN_1_2026 },
      { pollutant: "no2", period: "1h", value: 250, at: JAN_1_2026 },
      { pollutant: "pm10", period: "1h", value: 900, at: JAN_1_2026 },
    ]);
    expect(result).toEqual([
      { pollutant: "pm25", period: "24h", value: 47, at: JAN_1_2026, limit: 45, excess: 2, ratio: 47 / 45 },
      { pollutant: "no2", period: "1h", value: 250, at: JAN_1_2026, limit: 200, excess: 50, ratio: 1.25 },
    ]);
  });

  it("uses the limits the caller passes", () => {
    const stricter: Qcvn05Limits = { ...QCVN05_2023_LIMITS, no2: { "1h": [{ from: null, value: 150 }] } };
    const average = { pollutant: "no2", period: "1h", value: 180, at: JAN_1_2026 } as const;
    expect(qcvn05Exceedances([average])).toEqual([]);
    expect(qcvn05Exceedances([average], stricter)).toMatchObject([{ limit: 150, excess: 30 }]);
  });

  it("refuses negative or non-finite values and times, naming the entry", () => {
    expect(() => qcvn05Exceedances([{ pollutant: "so2", period: "1h", value: -1, at: 0 }])).toThrow(
      /averages\[0\]\.value/,
    );
    expect(() =>
      qcvn05Exceedances([
        { pollutant: "so2", period: "1h", value: 1, at: 0 },
        { pollutant: "so2", period: "1h", value: 1, at: Number.NaN },
      ]),
    ).toThrow(/averages\[1\]\.at/);
  });
});
