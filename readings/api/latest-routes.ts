import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { DeviceRegistry } from "../../devices/index.js";
import { latestResponseSchema } from "../../kernel/api-contract.js";
import { isMetricKey } from "../../kernel/catalogue.js";
import { areaCodeSchema, deviceIdSchema, isoTime } from "../../platform/http/query-schemas.js";
import type { TimeSeriesStore } from "../store/time-series-store.js";

export interface LatestRoutesOptions {
  readonly registry: DeviceRegistry;
  readonly store: TimeSeriesStore;
}

export const latestRoutes: FastifyPluginAsyncZod<LatestRoutesOptions> = async (app, { registry, store }) => {
  app.get(
    "/latest",
    {
      config: { access: "viewer" },
      schema: {
        tags: ["readings"],
        summary: "Newest value of each metric per device, optionally for one device or one area",
        querystring: z.object({ device: deviceIdSchema.optional(), area: areaCodeSchema.optional() }),
        response: { 200: latestResponseSchema },
      },
    },
    async (request) => {
      const { device, area } = request.query;
      let deviceIds: string[] | undefined;
      if (area !== undefined) deviceIds = (await registry.list({ area })).map((d) => d.id);
      if (device !== undefined) deviceIds = deviceIds ? deviceIds.filter((id) => id === device) : [device];
      // Derived series (indices) have their own routes.
      const values = (await store.latest(deviceIds ? { deviceIds } : undefined)).filter((v) =>
        isMetricKey(v.metric),
      );
      const byDevice = new Map<string, Record<string, { value: number; ts: string }>>();
      for (const v of values) {
        let entry = byDevice.get(v.deviceId);
        if (!entry) {
          entry = {};
          byDevice.set(v.deviceId, entry);
        }
        entry[v.metric] = { value: v.value, ts: isoTime(v.ts) };
      }
      return { devices: [...byDevice].map(([deviceId, vals]) => ({ deviceId, values: vals })) };
    },
  );
};
