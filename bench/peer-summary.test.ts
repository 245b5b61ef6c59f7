import { describe, expect, it } from "vitest";
import { compareRuns, describeComparison, type RunFigures, ratio } from "./peer-summary.js";

const run = (overrides: Partial<RunFigures> & Pick<RunFigures, "system">): RunFigures => ({
  offeredRate: 5000,
  ackedReadingsPerS: 5000,
  sustainedStoredReadingsPerS: 5000,
  storedP50Ms: 20,
  storedP99Ms: 100,
  peakRssMB: 100,
  lostReadings: 0,
  ...overrides,
});

describe("ratio", () => {
  it("is project ÷ peer to two decimals, null when either is missing or the peer's is 0", () => {
    expect(ratio(300, 100)).toBe(3);
    expect(ratio(1, 3)).toBe(0.33);
    expect(ratio(null, 3)).toBeNull();
    expect(ratio(3, undefined)).toBeNull();
    expect(ratio(3, 0)).toBeNull();
  });
});

describe("compareRuns", () => {
  it("compares each project run with the Telegraf pipeline and with Mosquitto at the same rate", () => {
    const comparisons = compareRuns([
      run({ system: "mosquitto", sustainedStoredReadingsPerS: null, storedP50Ms: null, peakRssMB: 10 }),
      run({ system: "telegraf", sustainedStoredReadingsPerS: 4000, storedP50Ms: 600, peakRssMB: 50 }),
      run({ system: "sqlite", sustainedStoredReadingsPerS: 5000, storedP50Ms: 30, peakRssMB: 300 }),
      run({ system: "influxdb", offeredRate: 10_000, peakRssMB: 250 }),
    ]);
    expect(comparisons).toEqual([
      {
        offeredRate: 5000,
        project: "sqlite",
        peer: "telegraf",
        ratios: {
          ackedReadingsPerS: 1,
          sustainedStoredReadingsPerS: 1.25,
          storedP50Ms: 0.05,
          storedP99Ms: 1,
          peakRssMB: 6,
        },
      },
      {
        offeredRate: 5000,
        project: "sqlite",
        peer: "mosquitto",
        ratios: { ackedReadingsPerS: 1, peakRssMB: 30 },
      },
    ]);
  });

  it("reads as one line per comparison", () => {
    const [comparison] = compareRuns([
      run({ system: "telegraf" }),
      run({ system: "influxdb", peakRssMB: 200 }),
    ]);
    expect(comparison && describeComparison(comparison)).toBe(
      "5000/s influxdb ÷ telegraf: ackedReadingsPerS ×1, sustainedStoredReadingsPerS ×1, storedP50Ms ×1, storedP99Ms ×1, peakRssMB ×2",
    );
  });
});
