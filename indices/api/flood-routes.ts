import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { DeviceRegistry } from "../../devices/index.js";
import { type FloodLatestResponse, floodLatestResponseSchema } from "../../kernel/api-contract.js";
import { flagSeries } from "../../kernel/plausibility.js";
import { HOUR_MS } from "../../kernel/time.js";
import { areaCodeSchema, isoTime } from "../../platform/http/query-schemas.js";
import type { TimeSeriesStore } from "../../readings/index.js";
import { floodAlarmLevel, floodLevelLabel } from "../calculators/flood-level.js";

export interface FloodRoutesOptions {
  readonly registry: DeviceRegistry;
  readonly store: TimeSeriesStore;
}

const WATER_LEVEL = "water_level";
/** The newest readings judged for plausibility: enough for the median the check needs. */
const JUDGED_READINGS = 8;
const JUDGED_SPAN_MS = HOUR_MS;

export const floodRoutes: FastifyPluginAsyncZod<FloodRoutesOptions> = async (app, { registry, store }) => {
  /**
   * Every station with flood alarm levels or water-level readings, with its newest level. A station
   * without levels or without a reading still appears (level null), so operators see the gap.
   */
  async function floodLatest(area: string | undefined): Promise<FloodLatestResponse> {
    const devices = await registry.list({ area });
    const newest = new Map<string, { ts: number; value: number }>();
    if (devices.length > 0) {
      for (const v of await store.latest({ deviceIds: devices.map((d) => d.id) })) {
        if (v.metric === WATER_LEVEL) newest.set(v.deviceId, { ts: v.ts, value: v.value });
      }
    }
    // The newest reading may be a spike: the level comes from the newest believable one.
    const suspects = new Map<string, { ts: number; value: number }>();
    const judged = await Promise.all(
      [...newest].map(async ([deviceId, latest]) => {
        // Only the newest few readings are judged: fetched newest first, put back in time order.
        const newestFirst = await store.observations({
          deviceId,
          metric: WATER_LEVEL,
          from: latest.ts - JUDGED_SPAN_MS,
          to: latest.ts + 1,
          order: "desc",
          offset: 0,
          limit: JUDGED_READINGS,
        });
        return { deviceId, latest, recent: newestFirst.reverse() };
      }),
    );
    for (const { deviceId, latest, recent } of judged) {
      const flags = flagSeries(
        WATER_LEVEL,
        recent.map((p) => p.value),
      );
      const believed = recent.filter((_, index) => flags[index] === "good").at(-1);
      if (flags.at(-1) === "suspect" && believed !== undefined) {
        suspects.set(deviceId, latest);
        newest.set(deviceId, { ts: believed.ts, value: believed.value });
      }
    }
    const stations = devices.flatMap((device) => {
      const reading = newest.get(device.id);
      const suspect = suspects.get(device.id);
      const thresholds = device.floodLevels;
      if (thresholds === null && reading === undefined) return [];
      const level =
        thresholds === null || reading === undefined ? null : floodAlarmLevel(reading.value, thresholds);
      return [
        {
          station: device.id,
          name: device.name,
          area: device.area,
          areaName: device.areaName,
          lat: device.lat,
          lon: device.lon,
          ts: reading === undefined ? null : isoTime(reading.ts),
          waterLevel: reading?.value ?? null,
          thresholds: thresholds === null ? null : { ...thresholds },
          level,
          label: level === null ? null : floodLevelLabel(level),
          suspect: suspect === undefined ? null : { ts: isoTime(suspect.ts), waterLevel: suspect.value },
        },
      ];
    });
    return { stations };
  }

  const querystring = z.object({ area: areaCodeSchema.optional() });

  app.get(
    "/flood/latest",
    {
      config: { access: "viewer" },
      schema: {
        tags: ["indices"],
        summary:
          "Flood alarm level (Decision 05/2020/QĐ-TTg: I, II, III) of each water-level station from its newest reading",
        querystring,
        response: { 200: floodLatestResponseSchema },
      },
    },
    async (request) => floodLatest(request.query.area),
  );

  app.get(
    "/public/flood/latest",
    {
      config: { access: "public" },
      schema: {
        tags: ["public"],
        summary: "Flood alarm levels for residents (no login): the same as /api/v1/flood/latest",
        querystring,
        response: { 200: floodLatestResponseSchema },
      },
    },
    async (request) => floodLatest(request.query.area),
  );
};
