import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from "fastify";
import { serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { healthRoutes, type ReadinessChecks, type ReadinessDetails } from "./health-routes.js";

/**
 * /healthz, /readyz and /metrics alone, for a process that runs the broker or the ingest
 * without the API: container health checks and Prometheus reach every part the same way.
 */
export async function createHealthServer(deps: {
  readonly logger: Logger;
  readonly checks: ReadinessChecks;
  readonly details?: ReadinessDetails;
  readonly registry: Registry;
}): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  await app.register(healthRoutes, {
    checks: deps.checks,
    details: deps.details ?? {},
    registry: deps.registry,
  });
  return app;
}
