import { createPlausibilityGate, type PlausibilityGate } from "../../kernel/plausibility.js";
import type { WqiStation } from "./api-client.js";
import type { AqiLatestResponse, AqiPending, FloodLatestResponse, LiveAqi } from "./contract.js";
import { floodAlarmLevel, floodLevelLabel } from "./indices.js";

export type StationAqi = Omit<AqiLatestResponse["stations"][number], "advice"> & {
  /** Null after a live update changed the category, until the next full answer brings the advice. */
  advice: AqiLatestResponse["stations"][number]["advice"] | null;
};
export type StationFlood = FloodLatestResponse["stations"][number];

export interface IndexStore {
  /** Takes the service's newest hourly AQI per station; returns the stations whose AQI changed. */
  setAqiLatest(stations: readonly AqiLatestResponse["stations"][number][]): string[];
  /** A live `aqi` event; returns false when it changed nothing shown (older, daily, or the same). */
  applyLiveAqi(event: LiveAqi): boolean;
  aqi(stationId: string): StationAqi | undefined;
  setFloodLatest(stations: readonly StationFlood[]): string[];
  /**
   * A live water_level value: the alarm level follows from the station's thresholds, unless the
   * value is a suspect spike (kernel/plausibility.ts), which is held until the next reading confirms it.
   */
  applyWaterLevel(stationId: string, at: number, value: number): boolean;
  flood(stationId: string): StationFlood | undefined;
  /** Replaces the air stations still waiting for their first AQI; returns those whose wait changed. */
  setAqiPending(pending: readonly AqiPending[]): string[];
  aqiPending(stationId: string): AqiPending | undefined;
  setWqiLatest(stations: readonly WqiStation[]): string[];
  wqi(stationId: string): WqiStation | undefined;
}

const newerOrSame = (incoming: string | null, current: string | null): boolean =>
  current === null || (incoming !== null && Date.parse(incoming) >= Date.parse(current));

/** The AQI and flood level of each station, as last answered or pushed; values only move forward in time. */
export function createIndexStore(): IndexStore {
  const aqiByStation = new Map<string, StationAqi>();
  const floodByStation = new Map<string, StationFlood>();
  const pendingByStation = new Map<string, AqiPending>();
  const wqiByStation = new Map<string, WqiStation>();
  const waterLevelGates = new Map<string, PlausibilityGate>();

  const replaceAll = <T extends { station: string; ts: string | null }>(
    target: Map<string, T>,
    incoming: readonly T[],
    sameShown: (a: T, b: T) => boolean,
  ): string[] => {
    const changed: string[] = [];
    const present = new Set(incoming.map((entry) => entry.station));
    for (const id of target.keys()) {
      if (!present.has(id)) {
        target.delete(id);
        changed.push(id);
      }
    }
    for (const entry of incoming) {
      const current = target.get(entry.station);
      if (current !== undefined && !newerOrSame(entry.ts, current.ts)) continue;
      target.set(entry.station, entry);
      if (current === undefined || !sameShown(current, entry)) changed.push(entry.station);
    }
    return changed;
  };

  return {
    setAqiLatest(stations) {
      return replaceAll<StationAqi>(
        aqiByStation,
        stations,
        (a, b) =>
          a.ts === b.ts &&
          a.aqi === b.aqi &&
          a.dominant === b.dominant &&
          (a.advice === null) === (b.advice === null),
      );
    },
    applyLiveAqi(event) {
      if (event.period !== "hour") return false;
      const current = aqiByStation.get(event.station);
      if (current === undefined || !newerOrSame(event.ts, current.ts)) return false;
      if (current.ts === event.ts && current.aqi === event.aqi && current.dominant === event.dominant)
        return false;
      aqiByStation.set(event.station, {
        ...current,
        ts: event.ts,
        aqi: event.aqi,
        category: event.category,
        dominant: event.dominant,
        advice: current.category.key === event.category.key ? current.advice : null,
      });
      return true;
    },
    aqi: (stationId) => aqiByStation.get(stationId),
    setFloodLatest(stations) {
      return replaceAll(
        floodByStation,
        stations,
        (a, b) => a.ts === b.ts && a.waterLevel === b.waterLevel && a.level === b.level,
      );
    },
    applyWaterLevel(stationId, at, value) {
      const current = floodByStation.get(stationId);
      const ts = new Date(at).toISOString();
      if (current === undefined || !newerOrSame(ts, current.ts)) return false;
      if (current.ts === ts && current.waterLevel === value) return false;
      let gate = waterLevelGates.get(stationId);
      if (gate === undefined) {
        gate = createPlausibilityGate("water_level");
        waterLevelGates.set(stationId, gate);
      }
      // A spike neither moves the level nor raises an alarm on screen; a confirmed step does.
      if (gate.accept(value).flag === "suspect") return false;
      const level = current.thresholds === null ? null : floodAlarmLevel(value, current.thresholds);
      floodByStation.set(stationId, {
        ...current,
        ts,
        waterLevel: value,
        level,
        label: level === null ? null : floodLevelLabel(level),
      });
      return true;
    },
    flood: (stationId) => floodByStation.get(stationId),
    setAqiPending(pending) {
      const changed = new Set<string>(pendingByStation.keys());
      const before = new Map(pendingByStation);
      pendingByStation.clear();
      for (const entry of pending) {
        pendingByStation.set(entry.station, entry);
        if (before.get(entry.station)?.expectedAt === entry.expectedAt) changed.delete(entry.station);
        else changed.add(entry.station);
      }
      return [...changed];
    },
    aqiPending: (stationId) => pendingByStation.get(stationId),
    setWqiLatest(stations) {
      return replaceAll(wqiByStation, stations, (a, b) => a.ts === b.ts && a.wqi === b.wqi);
    },
    wqi: (stationId) => wqiByStation.get(stationId),
  };
}
