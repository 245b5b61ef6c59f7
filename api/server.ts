import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from "fastify";
import {
  hasZodFastifySchemaValidationErrors,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from "fastify-type-provider-zod";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { Clock } from "../domain/clock.js";
import type { AqiStandard } from "../ingest/indices/index-series.js";
import type { AlertRulesRepository } from "../store/alert-rules-repository.js";
import type { AlertStore } from "../store/alert-store.js";
import type { DeadLetterRepository } from "../store/dead-letter-repository.js";
import type { DeviceRegistry } from "../store/device-registry.js";
import type { TimeSeriesStore } from "../store/time-series-store.js";
import type { AuditRecorder } from "./access.js";
import { dashboardStatic } from "./dashboard-static.js";
import { registerOpenApi } from "./openapi.js";
import { alertRoutes } from "./routes/alerts.js";
import { aqiRoutes } from "./routes/aqi.js";
import { capRoutes } from "./routes/cap.js";
import { catalogueRoutes } from "./routes/catalogue.js";
import { deviceRoutes } from "./routes/devices.js";
import { floodRoutes } from "./routes/flood.js";
import { healthRoutes, type ReadinessChecks } from "./routes/health.js";
import { indexCalculatorRoutes } from "./routes/indices.js";
import { latestRoutes } from "./routes/latest.js";
import { publicAreaRoutes } from "./routes/public-areas.js";
import { readingsRoutes } from "./routes/readings.js";
import { rejectedRoutes } from "./routes/rejected.js";
import { ruleRoutes } from "./routes/rules.js";
import { wqiRoutes } from "./routes/wqi.js";

export interface ApiServerDeps {
  readonly logger: Logger;
  readonly clock: Clock;
  readonly store: TimeSeriesStore;
  readonly registry: DeviceRegistry;
  readonly deadLetters: DeadLetterRepository;
  readonly metricsRegistry: Registry;
  readonly readiness: ReadinessChecks;
  readonly dashboardRoot: string;
  readonly version: string;
  readonly rules: AlertRulesRepository;
  readonly alerts: AlertStore;
  readonly audit: AuditRecorder;
  /** Resolves once the alert engine evaluates with the rules as they are now (absent: no engine). */
  readonly rulesApplied?: () => Promise<void>;
  /** CAP <sender> and the base of public links (config CAP_SENDER, PUBLIC_BASE_URL). */
  readonly cap: { readonly sender: string; readonly publicBaseUrl?: string };
  /** AQI served by /api/v1/aqi… (config AQI_STANDARD); VN_AQI when absent. */
  readonly aqiStandard?: AqiStandard;
}

/** The HTTP API as a Fastify instance, not yet listening (tests use `inject`). */
export async function createApiServer(deps: ApiServerDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    // One line per request would drown the log at dashboard polling rates; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    // Errors raised before routing (a URL that is not valid percent-encoding…) in the API's shape too.
    frameworkErrors: (error: FastifyError, _request: FastifyRequest, reply: FastifyReply) => {
      const status = typeof error.statusCode === "number" && error.statusCode < 500 ? error.statusCode : 400;
      reply.code(status).send({ error: "bad_request", message: error.message });
    },
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(error)) {
      const detail = error.validation
        .map(
          (v) =>
            `${v.instancePath.replace(/^\//, "").replace(/\//g, ".") || error.validationContext}: ${v.message}`,
        )
        .join("; ");
      return reply.code(400).send({ error: "bad_request", message: `${error.validationContext} ${detail}` });
    }
    const status = typeof error.statusCode === "number" && error.statusCode >= 400 ? error.statusCode : 500;
    if (status >= 500) request.log.error({ err: error }, "request failed");
    return reply.code(status).send({
      error: status >= 500 ? "internal_error" : "bad_request",
      message: status >= 500 ? "internal error" : error.message,
    });
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send({ error: "not_found", message: `no route ${request.method} ${request.url.split("?")[0]}` }),
  );

  await registerOpenApi(app, deps.version);
  await app.register(healthRoutes, { checks: deps.readiness, registry: deps.metricsRegistry });
  await app.register(catalogueRoutes);
  await app.register(deviceRoutes, { registry: deps.registry, store: deps.store });
  await app.register(latestRoutes, { registry: deps.registry, store: deps.store });
  await app.register(floodRoutes, { registry: deps.registry, store: deps.store });
  await app.register(readingsRoutes, { store: deps.store, clock: deps.clock });
  await app.register(aqiRoutes, {
    store: deps.store,
    registry: deps.registry,
    clock: deps.clock,
    standard: deps.aqiStandard ?? "vn",
  });
  await app.register(wqiRoutes, { store: deps.store, registry: deps.registry, clock: deps.clock });
  await app.register(indexCalculatorRoutes);
  await app.register(publicAreaRoutes, { registry: deps.registry });
  await app.register(rejectedRoutes, { deadLetters: deps.deadLetters });
  await app.register(ruleRoutes, {
    rules: deps.rules,
    audit: deps.audit,
    applied: deps.rulesApplied ?? (() => Promise.resolve()),
  });
  await app.register(alertRoutes, { alerts: deps.alerts, audit: deps.audit });
  await app.register(capRoutes, {
    alerts: deps.alerts,
    registry: deps.registry,
    clock: deps.clock,
    ...deps.cap,
  });
  await app.register(dashboardStatic, { root: deps.dashboardRoot });
  return app;
}
