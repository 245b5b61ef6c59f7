import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { errorResponseSchema, MAX_POINTS, readingsResponseSchema } from "../../kernel/api-contract.js";
import { metricDefinition } from "../../kernel/catalogue.js";
import type { Clock } from "../../kernel/clock.js";
import { ServiceError } from "../../kernel/errors.js";
import { HOUR_MS } from "../../kernel/time.js";
import {
  deviceIdSchema,
  instantSchema,
  isoTime,
  metricKeySchema,
  stepSchema,
  timeWindowProblem,
} from "../../platform/http/query-schemas.js";
import { readingsCsv } from "../model/readings-csv.js";
import type { TimeSeriesStore } from "../store/time-series-store.js";

/** `format=csv` or `Accept: text/csv` answers CSV; `format=excel` the same with a BOM, so Excel reads UTF-8. */
const formatSchema = z.enum(["json", "csv", "excel"], { error: "format must be json, csv or excel" });
type ReadingsFormat = z.infer<typeof formatSchema>;

function chosenFormat(format: ReadingsFormat | undefined, accept: string | undefined): ReadingsFormat {
  if (format !== undefined) return format;
  return accept !== undefined && /\btext\/csv\b/i.test(accept) ? "csv" : "json";
}

export interface ReadingsRoutesOptions {
  readonly store: TimeSeriesStore;
  readonly clock: Clock;
}

export const readingsRoutes: FastifyPluginAsyncZod<ReadingsRoutesOptions> = async (app, { store, clock }) => {
  app.get(
    "/readings",
    {
      config: { access: "viewer" },
      schema: {
        tags: ["readings"],
        summary:
          "A series for one device and metric: raw points, or buckets (mean, min, max, count) with step",
        querystring: z.object({
          device: deviceIdSchema,
          metric: metricKeySchema,
          from: instantSchema.optional(),
          to: instantSchema.optional(),
          step: stepSchema.optional(),
          format: formatSchema.optional().meta({
            description: "csv (or Accept: text/csv), excel (CSV with a UTF-8 BOM); JSON by default",
          }),
        }),
        produces: ["application/json", "text/csv"],
        response: { 200: readingsResponseSchema, 400: errorResponseSchema },
      },
    },
    async (request, reply) => {
      const { device, metric, step } = request.query;
      const to = request.query.to ?? clock.now();
      const from = request.query.from ?? to - HOUR_MS;
      const problem =
        timeWindowProblem(from, to) ??
        (step !== undefined && (to - from) / step > MAX_POINTS
          ? `step is too small for this span: at most ${MAX_POINTS} buckets`
          : undefined);
      if (problem) throw new ServiceError("bad_request", problem);
      const result = await store.range({
        deviceId: device,
        metric,
        from,
        to,
        limit: MAX_POINTS,
        ...(step === undefined ? {} : { step }),
      });
      const series = {
        device,
        metric,
        unit: metricDefinition(metric).unit,
        from: isoTime(from),
        to: isoTime(to),
        step: step ?? null,
        truncated: result.truncated,
        points: result.points.map((p) => ({ ...p, ts: isoTime(p.ts) })),
      };
      const format = chosenFormat(request.query.format, request.headers.accept);
      if (format === "json") return series;
      const name = `${device}_${metric}_${series.from.slice(0, 10)}_${series.to.slice(0, 10)}.csv`;
      // The CSV is text, not the JSON the response schema describes: its own serializer.
      return reply
        .type("text/csv; charset=utf-8")
        .header("content-disposition", `attachment; filename="${name}"`)
        .header("x-truncated", String(series.truncated))
        .serializer((payload) => payload as string)
        .send(readingsCsv(series, { excel: format === "excel" }) as unknown as typeof series);
    },
  );
};
