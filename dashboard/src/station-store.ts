import type { Device, LatestResponse, LiveReading } from "./contract.js";

export interface LatestValue {
  value: number;
  /** Epoch ms of the reading. */
  at: number;
}

export interface ReadingOutcome {
  /** False when the reading names a device the list does not have yet. */
  knownDevice: boolean;
  /** Metrics whose shown value changed (newer and different). */
  changedMetrics: string[];
  /** Metrics the station had no value for before. */
  newMetrics: string[];
}

export interface StationStore {
  devices(): readonly Device[];
  device(id: string): Device | undefined;
  setDevices(devices: readonly Device[]): void;
  latest(deviceId: string): ReadonlyMap<string, LatestValue>;
  /** Newest reading time of a station over all its metrics, epoch ms. */
  lastUpdate(deviceId: string): number | null;
  /** Metrics a station declares plus any it has actually sent, declared ones first. */
  metricsOf(deviceId: string): string[];
  mergeLatest(latest: LatestResponse["devices"]): void;
  applyReading(reading: LiveReading): ReadingOutcome;
}

/** Stations and their newest values; a value only ever moves forward in time. */
export function createStationStore(): StationStore {
  let devices: Device[] = [];
  const byId = new Map<string, Device>();
  const latestByDevice = new Map<string, Map<string, LatestValue>>();

  const latestOf = (deviceId: string): Map<string, LatestValue> => {
    let values = latestByDevice.get(deviceId);
    if (values === undefined) {
      values = new Map();
      latestByDevice.set(deviceId, values);
    }
    return values;
  };

  /** Returns "new", "changed", "same" or "older" for one incoming value. */
  const put = (deviceId: string, metric: string, incoming: LatestValue) => {
    const values = latestOf(deviceId);
    const current = values.get(metric);
    if (current !== undefined && current.at > incoming.at) return "older";
    values.set(metric, incoming);
    if (current === undefined) return "new";
    return current.value === incoming.value ? "same" : "changed";
  };

  return {
    devices: () => devices,
    device: (id) => byId.get(id),
    setDevices(next) {
      devices = [...next];
      byId.clear();
      for (const device of devices) byId.set(device.id, device);
    },
    latest: (deviceId) => latestByDevice.get(deviceId) ?? new Map(),
    lastUpdate(deviceId) {
      let newest: number | null = null;
      for (const { at } of latestByDevice.get(deviceId)?.values() ?? []) {
        if (newest === null || at > newest) newest = at;
      }
      return newest;
    },
    metricsOf(deviceId) {
      const declared = byId.get(deviceId)?.metrics ?? [];
      const seen = [...(latestByDevice.get(deviceId)?.keys() ?? [])];
      return [...new Set([...declared, ...seen])];
    },
    mergeLatest(latest) {
      for (const { deviceId, values } of latest) {
        for (const [metric, { value, ts }] of Object.entries(values)) {
          put(deviceId, metric, { value, at: Date.parse(ts) });
        }
      }
    },
    applyReading(reading) {
      const at = Date.parse(reading.ts);
      const outcome: ReadingOutcome = {
        knownDevice: byId.has(reading.deviceId),
        changedMetrics: [],
        newMetrics: [],
      };
      for (const [metric, value] of Object.entries(reading.values)) {
        const result = put(reading.deviceId, metric, { value, at });
        if (result === "new") outcome.newMetrics.push(metric);
        else if (result === "changed") outcome.changedMetrics.push(metric);
      }
      return outcome;
    },
  };
}
