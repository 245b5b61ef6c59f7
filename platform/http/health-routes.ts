import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";

/** Each check answers whether a part of this process is ready; parts run elsewhere are absent. */
export type ReadinessChecks = Record<string, () => Promise<boolean> | boolean>;
/** Figures an operator wants beside the verdict (the InfluxDB spool's depth and age…). */
export type ReadinessDetails = Record<string, () => unknown>;

/** /healthz and /readyz, open to anyone (container health checks); /metrics is metricsRoutes. */
export const healthRoutes: FastifyPluginAsyncZod<{
  readonly checks: ReadinessChecks;
  readonly details?: ReadinessDetails;
}> = async (app, { checks, details = {} }) => {
  app.get(
    "/healthz",
    {
      schema: {
        tags: ["operations"],
        summary: "The process is up",
        response: { 200: z.object({ status: z.literal("ok") }) },
      },
    },
    async () => ({ status: "ok" as const }),
  );

  const readiness = z.object({
    ready: z.boolean(),
    checks: z.record(z.string(), z.boolean()),
    details: z.record(z.string(), z.unknown()).optional(),
  });
  app.get(
    "/readyz",
    {
      schema: {
        tags: ["operations"],
        summary: "Broker, store and ingest of this process are ready",
        response: { 200: readiness, 503: readiness },
      },
    },
    async (_request, reply) => {
      const results: Record<string, boolean> = {};
      for (const [name, check] of Object.entries(checks)) {
        try {
          results[name] = await check();
        } catch {
          results[name] = false;
        }
      }
      const ready = Object.values(results).every(Boolean);
      const figures = Object.entries(details).map(([name, read]) => [name, read()] as const);
      return reply.code(ready ? 200 : 503).send({
        ready,
        checks: results,
        ...(figures.length > 0 ? { details: Object.fromEntries(figures) } : {}),
      });
    },
  );
};
