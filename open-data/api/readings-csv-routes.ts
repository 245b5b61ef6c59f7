import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { errorResponseSchema } from "../../kernel/api-contract.js";
import type { Clock } from "../../kernel/clock.js";
import { ServiceError } from "../../kernel/errors.js";
import { DAY_MS } from "../../kernel/time.js";
import { deviceIdSchema, instantSchema } from "../../platform/http/query-schemas.js";
import { csvHeader, csvLine } from "../model/readings-csv.js";
import { observedValue, type StaCatalogue } from "../model/sta-model.js";
import type { ObservationStore } from "../sta/observation-query.js";
import { sendCached } from "./http-caching.js";
import type { RouteRateLimit } from "./sta-routes.js";

/** The longest span one CSV request may cover, and the most rows it may hold. */
export const MAX_CSV_SPAN_MS = 31 * DAY_MS;
export const MAX_CSV_ROWS = 200_000;
const PAGE = 10_000;

export interface ReadingsCsvOptions {
  readonly catalogue: () => Promise<StaCatalogue>;
  readonly store: ObservationStore;
  readonly clock: Clock;
  readonly rateLimit: RouteRateLimit;
}

const seriesSchema = z
  .string()
  .regex(
    /^(?:[a-z0-9_]{1,40}|idx:[a-z0-9_:]{1,60})$/,
    "metric: một chỉ tiêu của trạm · a metric of the station",
  );

/** Raw readings of one published station and metric as CSV (UTF-8, header row). */
export const readingsCsvRoutes: FastifyPluginAsyncZod<ReadingsCsvOptions> = async (app, options) => {
  app.get(
    "/public/readings.csv",
    {
      config: { access: "public", rateLimit: { ...options.rateLimit } },
      schema: {
        tags: ["public", "open-data"],
        summary: "Raw readings of a published station and metric as CSV (UTF-8, header row); at most 31 days",
        querystring: z.strictObject({
          station: deviceIdSchema,
          metric: seriesSchema,
          from: instantSchema.optional(),
          to: instantSchema.optional(),
        }),
        response: { 400: errorResponseSchema, 404: errorResponseSchema },
      },
    },
    async (request, reply) => {
      const { station, metric } = request.query;
      const to = request.query.to ?? options.clock.now();
      const from = request.query.from ?? to - DAY_MS;
      if (from >= to) throw new ServiceError("bad_request", "from phải trước to · from must be before to");
      if (to - from > MAX_CSV_SPAN_MS)
        throw new ServiceError("bad_request", "mỗi lần tải tối đa 31 ngày · at most 31 days per request");
      const catalogue = await options.catalogue();
      const datastream = catalogue.datastreams.find(
        (d) => d.station.deviceId === station && d.key === metric,
      );
      if (!datastream)
        throw new ServiceError(
          "not_found",
          `trạm ${station} không công bố chỉ tiêu ${metric} · station ${station} publishes no ${metric}`,
        );
      const chunks = [csvHeader()];
      let rows = 0;
      let newest: number | undefined;
      // Pages by time (keyset): each page starts after the last point of the one before.
      for (let start = from; ; ) {
        const points = await options.store.observations({
          deviceId: station,
          metric: datastream.series,
          from: start,
          to,
          order: "asc",
          offset: 0,
          limit: PAGE,
        });
        for (const p of points) {
          chunks.push(
            csvLine({
              station,
              stationName: datastream.station.name,
              area: datastream.station.area,
              metric,
              ts: p.ts,
              value: observedValue(datastream, p.value),
              unit: datastream.unit.symbol,
            }),
          );
          newest = p.ts;
        }
        rows += points.length;
        if (rows > MAX_CSV_ROWS)
          throw new ServiceError(
            "bad_request",
            `hơn ${MAX_CSV_ROWS} dòng: hãy chọn khoảng thời gian ngắn hơn · more than ${MAX_CSV_ROWS} rows: ask for a shorter span`,
          );
        const last = points[points.length - 1];
        if (points.length < PAGE || !last) break;
        start = last.ts + 1;
      }
      reply.type("text/csv; charset=utf-8");
      reply.header("Content-Disposition", `inline; filename="${station}-${metric.replace(/:/g, "_")}.csv"`);
      return sendCached(
        request,
        reply,
        chunks.join(""),
        newest === undefined ? {} : { lastModified: newest },
      );
    },
  );
};
