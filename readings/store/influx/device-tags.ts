import type { Clock } from "../../../kernel/clock.js";
import type { DeviceTags } from "./line-protocol.js";

/** What the registry knows about a device's area and kind; null fields become absent tags. */
export type DeviceTagLookup = (deviceId: string) => Promise<DeviceTags>;

export interface DeviceTagCache {
  /** Tags of each id, asking the registry only for ids not seen within the TTL. */
  tagsOf(deviceIds: Iterable<string>): Promise<ReadonlyMap<string, DeviceTags>>;
}

/**
 * Tags change only when an operator moves or re-registers a station; a short cache keeps the
 * registry off the write path without keeping stale tags for long.
 */
export function createDeviceTagCache(
  lookup: DeviceTagLookup,
  options: { readonly ttlMs: number; readonly clock: Clock },
): DeviceTagCache {
  const cache = new Map<string, { tags: DeviceTags; at: number }>();
  return {
    async tagsOf(deviceIds) {
      const now = options.clock.now();
      const result = new Map<string, DeviceTags>();
      for (const id of deviceIds) {
        if (result.has(id)) continue;
        const cached = cache.get(id);
        if (cached && now - cached.at < options.ttlMs) {
          result.set(id, cached.tags);
          continue;
        }
        const tags = await lookup(id);
        cache.set(id, { tags, at: now });
        result.set(id, tags);
      }
      return result;
    },
  };
}
