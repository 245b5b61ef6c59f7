import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { vnWqiCategory } from "../../domain/indices/vn-wqi.js";
import { WQI_SERIES_KEY } from "../../ingest/indices/index-series.js";
import type { DeviceRegistry } from "../../store/device-registry.js";
import type { TimeSeriesStore } from "../../store/time-series-store.js";
import { errorResponseSchema, wqiLatestResponseSchema } from "../contract.js";
import { areaCodeSchema, isoTime } from "../query-schemas.js";
import { stationRef } from "./aqi.js";

export interface WqiRoutesOptions {
  readonly store: TimeSeriesStore;
  readonly registry: DeviceRegistry;
}

export const wqiRoutes: FastifyPluginAsyncZod<WqiRoutesOptions> = async (app, { store, registry }) => {
  /** Each water-quality station's newest hourly VN_WQI with its category. */
  async function wqiLatest(area: string | undefined) {
    const devices = await registry.list(area === undefined ? undefined : { area });
    const byId = new Map(devices.map((d) => [d.id, d]));
    const latest = await store.latest(area === undefined ? undefined : { deviceIds: [...byId.keys()] });
    const stations = latest
      .filter((v) => v.metric === WQI_SERIES_KEY)
      .sort((a, b) => (a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : 0))
      .map((v) => {
        const category = vnWqiCategory(v.value);
        return {
          ...stationRef(byId.get(v.deviceId), v.deviceId),
          ts: isoTime(v.ts),
          wqi: v.value,
          category: { ...category, rgb: [...category.rgb] as [number, number, number] },
        };
      });
    return { stations };
  }

  const querystring = z.object({ area: areaCodeSchema.optional() });

  app.get(
    "/api/v1/wqi/latest",
    {
      schema: {
        tags: ["indices"],
        summary:
          "Each water-quality station's newest hourly VN_WQI (Decision 1460/QĐ-TCMT) with its category",
        querystring,
        response: { 200: wqiLatestResponseSchema, 400: errorResponseSchema },
      },
    },
    async (request) => wqiLatest(request.query.area),
  );

  app.get(
    "/api/v1/public/wqi/latest",
    {
      schema: {
        tags: ["public"],
        summary: "The WQI for residents (no login): the same as /api/v1/wqi/latest",
        querystring,
        response: { 200: wqiLatestResponseSchema, 400: errorResponseSchema },
      },
    },
    async (request) => wqiLatest(request.query.area),
  );
};
