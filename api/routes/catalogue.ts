import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { METRIC_DEFINITIONS } from "../../domain/catalogue.js";

const metricSchema = z.object({
  key: z.string(),
  unit: z.string(),
  label: z.object({ vi: z.string(), en: z.string() }),
  group: z.string(),
  min: z.number(),
  max: z.number(),
  decimals: z.number(),
});

export const catalogueRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    "/api/v1/catalogue",
    {
      schema: {
        tags: ["catalogue"],
        summary: "Metrics a device may send, with units and plausible ranges",
        response: { 200: z.object({ metrics: z.array(metricSchema) }) },
      },
    },
    async () => ({ metrics: [...METRIC_DEFINITIONS] }),
  );
};
