import { describe, expect, it } from "vitest";
import type { AqiLatestResponse, FloodLatestResponse, LiveAqi } from "./contract.js";
import { createIndexStore } from "./index-store.js";

const MODERATE = {
  key: "moderate",
  vi: "Trung bình",
  en: "Moderate",
  rgb: [255, 255, 0] as [number, number, number],
};
const POOR = { key: "poor", vi: "Kém", en: "Poor", rgb: [255, 126, 0] as [number, number, number] };
const ADVICE = {
  general: { vi: "Bình thường.", en: "As usual." },
  sensitive: { vi: "Để ý.", en: "Watch." },
};

const aqiStation = (station: string, ts: string, aqi: number): AqiLatestResponse["stations"][number] => ({
  station,
  name: station,
  area: "tan-ninh",
  areaName: "Phường Tân Ninh",
  lat: 11.3,
  lon: 106.1,
  ts,
  aqi,
  category: MODERATE,
  dominant: "pm25",
  subIndices: { pm25: aqi },
  advice: ADVICE,
});

const live = (station: string, ts: string, aqi: number, period: "hour" | "day" = "hour"): LiveAqi => ({
  station,
  area: "tan-ninh",
  period,
  ts,
  aqi,
  category: aqi > 100 ? POOR : MODERATE,
  dominant: "o3",
});

const floodStation = (
  station: string,
  thresholds: FloodLatestResponse["stations"][number]["thresholds"],
): FloodLatestResponse["stations"][number] => ({
  station,
  name: station,
  area: "go-dau",
  areaName: "Phường Gò Dầu",
  lat: 11.08,
  lon: 106.27,
  ts: null,
  waterLevel: null,
  thresholds,
  level: null,
  label: null,
  suspect: null,
});

describe("index store", () => {
  it("takes the newest AQI per station and reports which stations changed", () => {
    const store = createIndexStore();
    expect(
      store.setAqiLatest([
        aqiStation("a", "2026-11-21T05:00:00Z", 60),
        aqiStation("b", "2026-11-21T05:00:00Z", 70),
      ]),
    ).toEqual(["a", "b"]);
    expect(
      store.setAqiLatest([
        aqiStation("a", "2026-11-21T05:00:00Z", 60),
        aqiStation("b", "2026-11-21T06:00:00Z", 75),
      ]),
    ).toEqual(["b"]);
    expect(store.aqi("b")?.aqi).toBe(75);
    // An older answer never replaces a newer hour; a station that disappeared is dropped.
    expect(store.setAqiLatest([aqiStation("b", "2026-11-21T04:00:00Z", 20)])).toEqual(["a"]);
    expect(store.aqi("a")).toBeUndefined();
    expect(store.aqi("b")?.aqi).toBe(75);
  });

  it("applies live hourly AQI events, keeping the advice only while the category stays", () => {
    const store = createIndexStore();
    store.setAqiLatest([aqiStation("a", "2026-11-21T05:00:00Z", 60)]);
    expect(store.applyLiveAqi(live("a", "2026-11-21T06:00:00Z", 80))).toBe(true);
    expect(store.aqi("a")).toMatchObject({
      aqi: 80,
      dominant: "o3",
      ts: "2026-11-21T06:00:00Z",
      advice: ADVICE,
    });
    expect(store.applyLiveAqi(live("a", "2026-11-21T07:00:00Z", 120))).toBe(true);
    expect(store.aqi("a")).toMatchObject({ aqi: 120, category: POOR, advice: null });
    // Older hours, daily values, repeats and unknown stations change nothing.
    expect(store.applyLiveAqi(live("a", "2026-11-21T04:00:00Z", 10))).toBe(false);
    expect(store.applyLiveAqi(live("a", "2026-11-21T00:00:00Z", 10, "day"))).toBe(false);
    expect(store.applyLiveAqi(live("a", "2026-11-21T07:00:00Z", 120))).toBe(false);
    expect(store.applyLiveAqi(live("new", "2026-11-21T07:00:00Z", 40))).toBe(false);
    expect(store.aqi("a")?.aqi).toBe(120);
  });

  it("moves a flood alarm level with live water levels, using the station's thresholds", () => {
    const store = createIndexStore();
    store.setFloodLatest([floodStation("wl", { I: 1.6, II: 1.9, III: 2.4 }), floodStation("bare", null)]);
    const at = Date.parse("2026-11-21T05:00:00Z");
    expect(store.applyWaterLevel("wl", at, 1.2)).toBe(true);
    expect(store.flood("wl")).toMatchObject({ waterLevel: 1.2, level: 0, ts: "2026-11-21T05:00:00.000Z" });
    expect(store.applyWaterLevel("wl", at + 5000, 1.6)).toBe(true);
    expect(store.flood("wl")).toMatchObject({ level: 1, label: { vi: "Báo động I", en: "Alarm level I" } });
    expect(store.applyWaterLevel("wl", at + 10_000, 2.5)).toBe(true);
    expect(store.flood("wl")?.level).toBe(3);
    // An older reading and a repeat change nothing.
    expect(store.applyWaterLevel("wl", at, 0.1)).toBe(false);
    expect(store.applyWaterLevel("wl", at + 10_000, 2.5)).toBe(false);
    // Without thresholds the value is kept but there is no level; unknown stations are left to the next answer.
    expect(store.applyWaterLevel("bare", at, 3)).toBe(true);
    expect(store.flood("bare")).toMatchObject({ waterLevel: 3, level: null, label: null });
    expect(store.applyWaterLevel("unknown", at, 3)).toBe(false);
  });

  it("does not raise a flood alarm on one absurd water level, but on a confirmed rise", () => {
    const store = createIndexStore();
    store.setFloodLatest([floodStation("wl", { I: 1.6, II: 1.9, III: 2.4 })]);
    const at = Date.parse("2026-11-21T05:00:00Z");
    [1.33, 1.34, 1.34, 1.35].forEach((level, i) => {
      store.applyWaterLevel("wl", at + i * 5000, level);
    });
    expect(store.applyWaterLevel("wl", at + 20_000, 17.39)).toBe(false);
    expect(store.flood("wl")).toMatchObject({ waterLevel: 1.35, level: 0 });
    expect(store.applyWaterLevel("wl", at + 25_000, 1.34)).toBe(true);
    expect(store.flood("wl")?.level).toBe(0);
    // A real rise: held once, then shown when the next reading agrees.
    expect(store.applyWaterLevel("wl", at + 30_000, 2.5)).toBe(false);
    expect(store.applyWaterLevel("wl", at + 35_000, 2.55)).toBe(true);
    expect(store.flood("wl")).toMatchObject({ waterLevel: 2.55, level: 3 });
  });
});

describe("index store: pending AQI and WQI", () => {
  const pending = (station: string, expectedAt: string | null) => ({
    station,
    name: station,
    area: "tan-ninh",
    areaName: "Phường Tân Ninh",
    lat: null,
    lon: null,
    since: expectedAt === null ? null : "2026-12-06T09:05:00.000Z",
    expectedAt,
  });

  it("keeps the stations waiting for their first AQI and reports which changed", () => {
    const store = createIndexStore();
    expect(store.setAqiPending([pending("a", "2026-12-06T11:02:30.000Z"), pending("b", null)])).toEqual([
      "a",
      "b",
    ]);
    expect(store.aqiPending("a")?.expectedAt).toBe("2026-12-06T11:02:30.000Z");
    // a got its AQI, b started reporting.
    expect(store.setAqiPending([pending("b", "2026-12-06T12:02:30.000Z")]).sort()).toEqual(["a", "b"]);
    expect(store.aqiPending("a")).toBeUndefined();
    expect(store.setAqiPending([pending("b", "2026-12-06T12:02:30.000Z")])).toEqual([]);
  });

  it("keeps the newest WQI of each station", () => {
    const store = createIndexStore();
    const wqi = (ts: string, value: number) => ({
      station: "q",
      name: "q",
      area: null,
      areaName: null,
      lat: null,
      lon: null,
      ts,
      wqi: value,
      category: MODERATE,
    });
    expect(store.setWqiLatest([wqi("2026-12-06T09:00:00.000Z", 60)])).toEqual(["q"]);
    expect(store.setWqiLatest([wqi("2026-12-06T08:00:00.000Z", 20)])).toEqual([]);
    expect(store.wqi("q")?.wqi).toBe(60);
  });
});
