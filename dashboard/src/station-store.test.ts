import { describe, expect, it } from "vitest";
import type { Device } from "./contract.js";
import { createStationStore } from "./station-store.js";

const device = (id: string, metrics: string[]): Device => ({
  id,
  name: id,
  kind: "air",
  area: null,
  areaName: null,
  lat: 11.3,
  lon: 106.1,
  metrics,
  registered: true,
  status: "online",
  statusAt: null,
  lastSeen: null,
  floodLevels: null,
});

describe("station store", () => {
  it("reports changed and new metrics of a known device", () => {
    const store = createStationStore();
    store.setDevices([device("aq-1", ["pm25"])]);
    store.mergeLatest([{ deviceId: "aq-1", values: { pm25: { value: 10, ts: "2025-11-21T05:00:00Z" } } }]);

    const outcome = store.applyReading({
      deviceId: "aq-1",
      area: null,
      ts: "2025-11-21T05:00:05Z",
      values: { pm25: 12, pm10: 30 },
    });

    expect(outcome).toEqual({ knownDevice: true, changedMetrics: ["pm25"], newMetrics: ["pm10"] });
    expect(store.latest("aq-1").get("pm25")).toEqual({ value: 12, at: Date.parse("2025-11-21T05:00:05Z") });
    expect(store.metricsOf("aq-1")).toEqual(["pm25", "pm10"]);
    expect(store.lastUpdate("aq-1")).toBe(Date.parse("2025-11-21T05:00:05Z"));
  });

  it("never lets an older value replace a newer one", () => {
    const store = createStationStore();
    store.applyReading({ deviceId: "aq-1", area: null, ts: "2025-11-21T05:00:05Z", values: { pm25: 12 } });
    store.mergeLatest([{ deviceId: "aq-1", values: { pm25: { value: 99, ts: "2025-11-21T05:00:00Z" } } }]);
    const late = store.applyReading({
      deviceId: "aq-1",
      area: null,
      ts: "2025-11-21T04:59:00Z",
      values: { pm25: 1 },
    });

    expect(late.changedMetrics).toEqual([]);
    expect(store.latest("aq-1").get("pm25")?.value).toBe(12);
  });

  it("flags readings from devices it does not list yet", () => {
    const store = createStationStore();
    store.setDevices([device("aq-1", ["pm25"])]);
    const outcome = store.applyReading({
      deviceId: "new-1",
      area: null,
      ts: "2025-11-21T05:00:00Z",
      values: { noise: 60 },
    });

    expect(outcome.knownDevice).toBe(false);
    expect(store.latest("new-1").get("noise")?.value).toBe(60);
  });

  it("does not count a repeated value as a change", () => {
    const store = createStationStore();
    store.applyReading({ deviceId: "aq-1", area: null, ts: "2025-11-21T05:00:00Z", values: { pm25: 12 } });
    const again = store.applyReading({
      deviceId: "aq-1",
      area: null,
      ts: "2025-11-21T05:00:01Z",
      values: { pm25: 12 },
    });

    expect(again.changedMetrics).toEqual([]);
    expect(store.lastUpdate("aq-1")).toBe(Date.parse("2025-11-21T05:00:01Z"));
  });
});
