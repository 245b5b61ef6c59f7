import { describe, expect, it } from "vitest";
import {
  customWindow,
  epochToVietnamLocal,
  plausibleValueRange,
  presetWindow,
  stepFor,
  vietnamLocalToEpoch,
} from "./chart-range.js";

const NOW = Date.parse("2026-12-06T09:30:00Z");
const HOUR = 3_600_000;

describe("chart ranges", () => {
  it("shows raw, live points for the last hour and buckets for longer ranges", () => {
    expect(presetWindow("1h", NOW)).toEqual({ from: NOW - HOUR, to: NOW, step: undefined, live: true });
    expect(presetWindow("24h", NOW)).toMatchObject({ step: "5m", live: false });
    expect(presetWindow("7d", NOW)).toMatchObject({ step: "1h", from: NOW - 7 * 24 * HOUR });
    expect(presetWindow("30d", NOW).step).toBe("1h");
    // A year of hourly buckets would be 8760 points: daily ones (365) load fast.
    expect(presetWindow("1y", NOW).step).toBe("1d");
  });

  it("keeps every chart within 1500 buckets", () => {
    for (const span of [3 * HOUR, 12 * HOUR, 5 * 24 * HOUR, 62 * 24 * HOUR, 366 * 24 * HOUR]) {
      const step = stepFor(span);
      const ms = { "30s": 30_000, "5m": 300_000, "1h": HOUR, "1d": 24 * HOUR }[step ?? "30s"];
      expect(span / (ms ?? 1)).toBeLessThanOrEqual(1500);
    }
    expect(stepFor(2 * HOUR)).toBeUndefined();
  });

  it("reads and writes datetime-local values in Viet Nam time", () => {
    expect(vietnamLocalToEpoch("2026-12-06T16:30")).toBe(NOW);
    expect(epochToVietnamLocal(NOW)).toBe("2026-12-06T16:30");
    expect(vietnamLocalToEpoch("")).toBeNull();
    expect(vietnamLocalToEpoch("06/12/2026 16:30")).toBeNull();
  });

  it("takes a custom range up to 366 days, refusing an empty or reversed one", () => {
    expect(customWindow("2026-12-01T00:00", "2026-12-06T00:00")).toEqual({
      from: Date.parse("2026-11-30T17:00:00Z"),
      to: Date.parse("2026-12-05T17:00:00Z"),
      // 5 days of 5-minute buckets: 1440.
      step: "5m",
      live: false,
    });
    expect(customWindow("2026-12-06T00:00", "2026-12-01T00:00")).toBe("rangeInvalid");
    expect(customWindow("", "2026-12-01T00:00")).toBe("rangeInvalid");
    expect(customWindow("2024-01-01T00:00", "2026-01-01T00:00")).toBe("rangeInvalid");
  });
});

describe("chart value scale", () => {
  it("leaves one absurd spike off the scale, so the real water level is not flattened", () => {
    const range = plausibleValueRange("water_level", [1.3, 1.32, 1.34, 17.39, 1.35, 1.33]);
    expect(range).not.toBeNull();
    const [low, high] = range ?? [0, 0];
    expect(low).toBeCloseTo(1.295, 3);
    expect(high).toBeCloseTo(1.355, 3);
    expect(plausibleValueRange("water_level", [1.3, 1.32, 1.34, 1.35])).toBeNull();
  });
});
