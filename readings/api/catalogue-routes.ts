import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { catalogueResponseSchema } from "../../kernel/api-contract.js";
import { METRIC_DEFINITIONS } from "../../kernel/catalogue.js";

export const catalogueRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    "/catalogue",
    {
      config: { access: "viewer" },
      schema: {
        tags: ["catalogue"],
        summary: "Metrics a device may send, with units and plausible ranges",
        response: { 200: catalogueResponseSchema },
      },
    },
    async () => ({ metrics: [...METRIC_DEFINITIONS] }),
  );
};
