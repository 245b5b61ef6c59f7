import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { DeviceRegistry } from "../../devices/index.js";
import {
  errorResponseSchema,
  MAX_POINTS,
  wqiLatestResponseSchema,
  wqiSeriesResponseSchema,
} from "../../kernel/api-contract.js";
import type { Clock } from "../../kernel/clock.js";
import { ServiceError } from "../../kernel/errors.js";
import { DAY_MS } from "../../kernel/time.js";
import {
  areaCodeSchema,
  deviceIdSchema,
  instantSchema,
  isoTime,
  timeWindowProblem,
} from "../../platform/http/query-schemas.js";
import type { TimeSeriesStore } from "../../readings/index.js";
import { vnWqiCategory } from "../calculators/vn-wqi.js";
import { WQI_SERIES_KEY } from "../engine/index-series.js";
import { stationRef } from "./aqi-routes.js";

export interface WqiRoutesOptions {
  readonly store: TimeSeriesStore;
  readonly registry: DeviceRegistry;
  readonly clock: Clock;
}

const categoryOf = (wqi: number) => {
  const category = vnWqiCategory(wqi);
  return { ...category, rgb: [...category.rgb] as [number, number, number] };
};

export const wqiRoutes: FastifyPluginAsyncZod<WqiRoutesOptions> = async (app, { store, registry, clock }) => {
  /** Each water-quality station's newest hourly VN_WQI with its category. */
  async function wqiLatest(area: string | undefined) {
    const devices = await registry.list(area === undefined ? undefined : { area });
    const byId = new Map(devices.map((d) => [d.id, d]));
    const latest = await store.latest(area === undefined ? undefined : { deviceIds: [...byId.keys()] });
    const stations = latest
      .filter((v) => v.metric === WQI_SERIES_KEY)
      .sort((a, b) => (a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : 0))
      .map((v) => ({
        ...stationRef(byId.get(v.deviceId), v.deviceId),
        ts: isoTime(v.ts),
        wqi: v.value,
        category: categoryOf(v.value),
      }));
    return { stations };
  }

  const querystring = z.object({ area: areaCodeSchema.optional() });

  app.get(
    "/wqi",
    {
      config: { access: "viewer" },
      schema: {
        tags: ["indices"],
        summary: "A water-quality station's hourly VN_WQI with its category (default: the last 24 hours)",
        querystring: z.object({
          station: deviceIdSchema,
          from: instantSchema.optional(),
          to: instantSchema.optional(),
        }),
        response: { 200: wqiSeriesResponseSchema, 400: errorResponseSchema, 404: errorResponseSchema },
      },
    },
    async (request) => {
      const { station } = request.query;
      const to = request.query.to ?? clock.now();
      const from = request.query.from ?? to - DAY_MS;
      const problem = timeWindowProblem(from, to);
      if (problem) throw new ServiceError("bad_request", problem);
      if (!(await registry.get(station))) throw new ServiceError("not_found", `no station '${station}'`);
      const series = await store.range({
        deviceId: station,
        metric: WQI_SERIES_KEY,
        from,
        to,
        limit: MAX_POINTS,
      });
      return {
        station,
        from: isoTime(from),
        to: isoTime(to),
        points: series.points.map((p) => {
          const wqi = "value" in p ? p.value : p.mean;
          return { ts: isoTime(p.ts), wqi, category: categoryOf(wqi) };
        }),
      };
    },
  );

  app.get(
    "/wqi/latest",
    {
      config: { access: "viewer" },
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
    "/public/wqi/latest",
    {
      config: { access: "public" },
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
