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
import type { TimeSeriesStore } from "../store/time-series-store.js";

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
        }),
        response: { 200: readingsResponseSchema, 400: errorResponseSchema },
      },
    },
    async (request) => {
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
      return {
        device,
        metric,
        unit: metricDefinition(metric).unit,
        from: isoTime(from),
        to: isoTime(to),
        step: step ?? null,
        truncated: result.truncated,
        points: result.points.map((p) => ({ ...p, ts: isoTime(p.ts) })),
      };
    },
  );
};
