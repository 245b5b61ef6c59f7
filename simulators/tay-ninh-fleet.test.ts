import { describe, expect, it } from "vitest";
import { deviceProfileSchema } from "../domain/device.js";
import { fleetOfSize } from "./fleet-scaling.js";
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
    const prefixes = {
      air: "tn-air-",
      water_level: "tn-wl-",
      water_quality: "tn-wq-",
      noise: "tn-noise-",
      weather: "tn-met-",
    };
    for (const profile of TAY_NINH_FLEET) expect(profile.id.startsWith(prefixes[profile.kind])).toBe(true);
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
