import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { isMetricKey } from "../../domain/catalogue.js";
import type { DeviceRecord, DeviceRegistry } from "../../store/device-registry.js";
import type { TimeSeriesStore } from "../../store/time-series-store.js";
import { deviceSchema, devicesResponseSchema, errorResponseSchema } from "../contract.js";
import { areaCodeSchema, deviceIdSchema, isoTime } from "../query-schemas.js";

export interface DeviceRoutesOptions {
  readonly registry: DeviceRegistry;
  readonly store: TimeSeriesStore;
}

export const deviceRoutes: FastifyPluginAsyncZod<DeviceRoutesOptions> = async (app, { registry, store }) => {
  async function withLastSeen(devices: DeviceRecord[]) {
    const latest = await store.latest({ deviceIds: devices.map((d) => d.id) });
    const newest = new Map<string, number>();
    for (const v of latest) {
      if (isMetricKey(v.metric)) newest.set(v.deviceId, Math.max(newest.get(v.deviceId) ?? 0, v.ts));
    }
    return devices.map((d) => {
      const seen = newest.get(d.id);
      return {
        ...d,
        statusAt: d.statusAt === null ? null : isoTime(d.statusAt),
        lastSeen: seen === undefined ? null : isoTime(seen),
      };
    });
  }

  app.get(
    "/api/v1/devices",
    {
      schema: {
        tags: ["devices"],
        summary: "Stations in the registry, including devices that publish without being registered",
        querystring: z.object({ area: areaCodeSchema.optional() }),
        response: { 200: devicesResponseSchema },
      },
    },
    async (request) => ({ devices: await withLastSeen(await registry.list({ area: request.query.area })) }),
  );

  app.get(
    "/api/v1/devices/:id",
    {
      schema: {
        tags: ["devices"],
        summary: "One station",
        params: z.object({ id: deviceIdSchema }),
        response: { 200: deviceSchema, 404: errorResponseSchema },
      },
    },
    async (request, reply) => {
      const device = await registry.get(request.params.id);
      if (!device) {
        return reply.code(404).send({ error: "not_found", message: `no device '${request.params.id}'` });
      }
      const [withSeen] = await withLastSeen([device]);
      return withSeen;
    },
  );
};
