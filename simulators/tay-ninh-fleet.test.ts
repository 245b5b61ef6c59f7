import { describe, expect, it } from "vitest";
import { deviceProfileSchema } from "../devices/model/device.js";
import { fleetOfSize } from "./fleet-scaling.js";
import { createSeededRandom } from "./random.js";
import { initialStationState, stepStation } from "./signals.js";
import { TAY_NINH_FLEET, TAY_NINH_SIGNAL_PARAMETERS, TAY_NINH_SIMULATED_FLEET } from "./tay-ninh-fleet.js";

// Rough bounding box of Tây Ninh province including former Long An.
const PROVINCE = { south: 10.3, north: 11.8, west: 105.7, east: 106.8 };

function distanceKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const dLat = (a.lat - b.lat) * 111.32;
  const dLon = (a.lon - b.lon) * 111.32 * Math.cos((a.lat * Math.PI) / 180);
  return Math.hypot(dLat, dLon);
}

describe("Tây Ninh demo fleet", () => {
  it("has 20–24 valid device profiles with unique ids", () => {
    expect(TAY_NINH_FLEET.length).toBeGreaterThanOrEqual(20);
    expect(TAY_NINH_FLEET.length).toBeLessThanOrEqual(24);
    for (const profile of TAY_NINH_FLEET) expect(deviceProfileSchema.parse(profile)).toEqual(profile);
    expect(new Set(TAY_NINH_FLEET.map((p) => p.id)).size).toBe(TAY_NINH_FLEET.length);
  });

  it("covers every station kind with ids that say the kind", () => {
    const prefixes: Record<string, string> = {
      air: "tn-air-",
      water_level: "tn-wl-",
      water_quality: "tn-wq-",
      noise: "tn-noise-",
      weather: "tn-met-",
    };
    for (const profile of TAY_NINH_FLEET)
      expect(profile.id.startsWith(prefixes[profile.kind] ?? "?")).toBe(true);
    for (const kind of Object.keys(prefixes)) expect(TAY_NINH_FLEET.some((p) => p.kind === kind)).toBe(true);
  });

  it("places stations inside the province, with slug areas and Vietnamese area names", () => {
    for (const profile of TAY_NINH_FLEET) {
      expect(profile.lat).toBeGreaterThan(PROVINCE.south);
      expect(profile.lat).toBeLessThan(PROVINCE.north);
      expect(profile.lon).toBeGreaterThan(PROVINCE.west);
      expect(profile.lon).toBeLessThan(PROVINCE.east);
      expect(profile.area).toMatch(/^[a-z]+(-[a-z]+)*$/);
      expect(profile.areaName).toMatch(/^(Phường|Xã) /);
    }
  });

  it("keeps signal parameters separately, matching each profile's kind", () => {
    expect(TAY_NINH_SIGNAL_PARAMETERS.size).toBe(TAY_NINH_FLEET.length);
    for (const profile of TAY_NINH_FLEET)
      expect(TAY_NINH_SIGNAL_PARAMETERS.get(profile.id)?.kind).toBe(profile.kind);
  });
});

describe("demo flood alarm levels", () => {
  const waterLevelStations = TAY_NINH_SIMULATED_FLEET.filter((d) => d.profile.kind === "water_level");

  /** Share of 10-second samples over three rainy-season days at each alarm level 0–3. */
  function timeAtEachLevel(device: (typeof waterLevelStations)[number], startMs: number): number[] {
    const levels = device.profile.floodLevels;
    if (levels === undefined) throw new Error(`${device.profile.id} has no flood levels`);
    const random = createSeededRandom(7);
    let state = initialStationState();
    const counts = [0, 0, 0, 0];
    let samples = 0;
    for (let ts = startMs; ts < startMs + 3 * 86_400_000; ts += 10_000) {
      const step = stepStation(device.signal, state, ts, random);
      state = step.state;
      const level = step.values.water_level ?? Number.NaN;
      const alarm = level >= levels.III ? 3 : level >= levels.II ? 2 : level >= levels.I ? 1 : 0;
      counts[alarm] = (counts[alarm] ?? 0) + 1;
      samples += 1;
    }
    return counts.map((count) => count / samples);
  }

  it("gives every water-level station rising levels, and only them", () => {
    for (const { profile } of TAY_NINH_SIMULATED_FLEET) {
      if (profile.kind === "water_level") {
        expect(profile.floodLevels, profile.id).toBeDefined();
        const { I, II, III } = profile.floodLevels ?? { I: 0, II: 0, III: 0 };
        expect(I < II && II < III, profile.id).toBe(true);
      } else {
        expect(profile.floodLevels, profile.id).toBeUndefined();
      }
    }
  });

  it("lets the rivers' flood episodes reach level I and sometimes II, rarely III", () => {
    const rivers = waterLevelStations.filter((d) => d.profile.id !== "tn-wl-001");
    expect(rivers).toHaveLength(3);
    for (const river of rivers) {
      const [below, levelI, levelII, levelIII] = timeAtEachLevel(river, Date.UTC(2026, 9, 15));
      expect(below, river.profile.id).toBeGreaterThan(0.6);
      expect(levelI, river.profile.id).toBeGreaterThan(0.01);
      expect(levelII, river.profile.id).toBeGreaterThan(0);
      expect(levelIII, river.profile.id).toBeLessThan(0.01);
    }
  });

  it("keeps the reservoir below level I outside its seasonal high", () => {
    const reservoir = waterLevelStations.find((d) => d.profile.id === "tn-wl-001");
    if (reservoir === undefined) throw new Error("tn-wl-001 missing");
    expect(timeAtEachLevel(reservoir, Date.UTC(2026, 2, 15))[0]).toBe(1);
    expect(timeAtEachLevel(reservoir, Date.UTC(2026, 10, 15))[1]).toBeGreaterThan(0);
  });
});

describe("fleetOfSize", () => {
  it("returns the first devices of the built-in fleet when asked for fewer", () => {
    expect(fleetOfSize(3).map((d) => d.profile.id)).toEqual(TAY_NINH_FLEET.slice(0, 3).map((p) => p.id));
    expect(fleetOfSize(0)).toEqual([]);
  });

  it("clones the fleet with suffixed ids placed near their originals", () => {
    const base = TAY_NINH_SIMULATED_FLEET.length;
    const fleet = fleetOfSize(base * 2 + 5);
    expect(fleet).toHaveLength(base * 2 + 5);
    expect(new Set(fleet.map((d) => d.profile.id)).size).toBe(fleet.length);
    expect(fleet[base]?.profile.id).toBe("tn-air-001-c0002");
    expect(fleet[base * 2]?.profile.id).toBe("tn-air-001-c0003");
    for (const clone of fleet.slice(base)) {
      expect(deviceProfileSchema.parse(clone.profile)).toEqual(clone.profile);
      const originalId = clone.profile.id.replace(/-c\d{4}$/, "");
      const original = TAY_NINH_SIMULATED_FLEET.find((d) => d.profile.id === originalId);
      if (!original) throw new Error(`no original for ${clone.profile.id}`);
      const km = distanceKm(clone.profile, original.profile);
      expect(km).toBeGreaterThan(0.4);
      expect(km).toBeLessThan(3.1);
      expect(clone.signal).toEqual(original.signal);
      expect(clone.profile.area).toBe(original.profile.area);
    }
  });

  it("is deterministic and rejects nonsense sizes", () => {
    expect(fleetOfSize(60)).toEqual(fleetOfSize(60));
    expect(() => fleetOfSize(-1)).toThrow(RangeError);
    expect(() => fleetOfSize(2.5)).toThrow(RangeError);
  });
});
