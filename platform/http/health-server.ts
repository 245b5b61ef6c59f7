import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from "fastify";
import { serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { ServiceConfig } from "../config.js";
import { frameworkErrorReply, registerErrorReplies } from "./error-replies.js";
import { healthRoutes, type ReadinessChecks, type ReadinessDetails } from "./health-routes.js";
import { metricsRoutes, publicMetricsAccess } from "./metrics-routes.js";

/** A server that logs only errors, and answers them as the API does (kernel/errors.ts). */
function quietFastify(logger: Logger): FastifyInstance {
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    frameworkErrors: frameworkErrorReply,
  });
  registerErrorReplies(app);
  return app;
}

/**
 * /healthz, /readyz and /metrics alone, for a process that runs the broker or the ingest
 * without the API: container health checks and Prometheus reach every part the same way, and
 * /metrics follows the API port's rule (METRICS_TOKEN as a bearer token, else not served).
 */
export async function createHealthServer(deps: {
  readonly logger: Logger;
  readonly checks: ReadinessChecks;
  readonly details?: ReadinessDetails;
  readonly registry: Registry;
  /** Config METRICS_TOKEN: /metrics needs it as a bearer token; without it /metrics answers 404. */
  readonly metricsToken: string | undefined;
}): Promise<FastifyInstance> {
  const app = quietFastify(deps.logger);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  await app.register(healthRoutes, { checks: deps.checks, details: deps.details ?? {} });
  await app.register(metricsRoutes, {
    registry: deps.registry,
    access: publicMetricsAccess(deps.metricsToken),
  });
  return app;
}

/**
 * The internal metrics listener (config METRICS_PORT on METRICS_HOST, 127.0.0.1 unless told):
 * /metrics without a token, for a Prometheus on the same host or a private network; nothing else.
 * Listening when METRICS_PORT is set; undefined otherwise.
 */
export async function listenForMetrics(
  config: Pick<ServiceConfig, "METRICS_PORT" | "METRICS_HOST">,
  deps: { readonly logger: Logger; readonly registry: Registry },
): Promise<FastifyInstance | undefined> {
  if (config.METRICS_PORT === undefined) return undefined;
  const app = quietFastify(deps.logger);
  await app.register(metricsRoutes, { registry: deps.registry, access: "open" });
  try {
    await app.listen({ port: config.METRICS_PORT, host: config.METRICS_HOST });
  } catch (error) {
    await app.close();
    throw error;
  }
  return app;
}
