import type { Device } from "./contract.js";
import type { IndexStore } from "./index-store.js";
import type { StationSituation } from "./station-ranking.js";

/** What the ranking needs of a station, from the registry and the index store. */
export function situationOf(device: Device, indices: IndexStore): StationSituation {
  const aqi = indices.aqi(device.id);
  const wqi = indices.wqi(device.id);
  const flood = indices.flood(device.id);
  return {
    id: device.id,
    name: device.name,
    kind: device.kind,
    area: device.area,
    areaName: device.areaName,
    status: device.status,
    aqi: aqi === undefined ? null : { value: aqi.aqi, category: aqi.category.key },
    wqi: wqi === undefined ? null : { value: wqi.wqi, category: wqi.category.key },
    floodLevel: flood?.level ?? null,
  };
}
