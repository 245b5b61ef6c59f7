import { describe, expect, it } from "vitest";
import {
  attentionStations,
  needsAttention,
  rankStations,
  type StationSituation,
  severityOf,
} from "./station-ranking.js";

const station = (id: string, patch: Partial<StationSituation> = {}): StationSituation => ({
  id,
  name: `Trạm ${id}`,
  kind: "air",
  area: "tan-ninh",
  areaName: "Phường Tân Ninh",
  status: "online",
  aqi: null,
  wqi: null,
  floodLevel: null,
  ...patch,
});

const goodAir = station("a-good", { aqi: { value: 30, category: "good" } });
const veryBadAir = station("a-very-bad", { aqi: { value: 240, category: "very_bad" } });
const poorAir = station("a-poor", { aqi: { value: 120, category: "poor" } });
const pendingAir = station("a-pending", { status: "offline" });
const floodIII = station("w-flood", {
  kind: "water_level",
  area: "go-dau",
  areaName: "Gò Dầu",
  floodLevel: 3,
});
const floodNone = station("w-calm", { kind: "water_level", floodLevel: 0 });
const dirtyWater = station("q-dirty", { kind: "water_quality", wqi: { value: 18, category: "bad" } });
const cleanWater = station("q-clean", { kind: "water_quality", wqi: { value: 92, category: "very_good" } });
const all = [goodAir, veryBadAir, poorAir, pendingAir, floodIII, floodNone, dirtyWater, cleanWater];
const ids = (list: readonly StationSituation[]) => list.map((s) => s.id);

describe("station ranking", () => {
  it("puts flood level III above a very bad AQI, and every station without a problem after", () => {
    expect(ids(rankStations(all, "worst", {}, "vi"))).toEqual([
      "w-flood",
      "a-very-bad",
      "q-dirty",
      "a-poor",
      "a-good",
      "q-clean",
      "w-calm",
      "a-pending",
    ]);
    expect(severityOf(floodIII)).toBe(5);
    expect(severityOf(veryBadAir)).toBe(4);
    expect(severityOf(pendingAir)).toBe(0);
  });

  it("sorts by AQI (highest first), WQI (lowest first) and flood level, stations without the value last", () => {
    expect(ids(rankStations(all, "aqi", {}, "vi")).slice(0, 4)).toEqual([
      "a-very-bad",
      "a-poor",
      "a-good",
      // no AQI: by name
      "a-pending",
    ]);
    expect(ids(rankStations(all, "wqi", {}, "vi")).slice(0, 2)).toEqual(["q-dirty", "q-clean"]);
    expect(ids(rankStations(all, "flood", {}, "vi")).slice(0, 2)).toEqual(["w-flood", "w-calm"]);
    expect(ids(rankStations(all, "status", {}, "vi"))[0]).toBe("a-pending");
  });

  it("filters by kind, commune, status and text", () => {
    expect(ids(rankStations(all, "worst", { kind: "water_level" }, "vi"))).toEqual(["w-flood", "w-calm"]);
    expect(ids(rankStations(all, "worst", { area: "go-dau" }, "vi"))).toEqual(["w-flood"]);
    expect(ids(rankStations(all, "worst", { status: "offline" }, "vi"))).toEqual(["a-pending"]);
    expect(ids(rankStations(all, "name", { text: "GÒ DẦU" }, "vi"))).toEqual(["w-flood"]);
    expect(ids(rankStations(all, "name", { text: "q-" }, "vi"))).toEqual(["q-clean", "q-dirty"]);
  });

  it("puts on the attention strip flood alarms and the two worst AQI and WQI categories only", () => {
    expect(ids(attentionStations(all, "vi"))).toEqual(["w-flood", "a-very-bad", "q-dirty"]);
    expect(needsAttention(station("x", { floodLevel: 1 }))).toBe(true);
    expect(needsAttention(station("x", { aqi: { value: 350, category: "hazardous" } }))).toBe(true);
    expect(needsAttention(station("x", { aqi: { value: 199, category: "bad" } }))).toBe(false);
  });
});
