import fastifyJwt from "@fastify/jwt";
import fastifyRateLimit from "@fastify/rate-limit";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from "fastify";
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from "fastify-type-provider-zod";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { AlertRulesRepository, AlertService, WebhookRepository } from "../alerts/index.js";
import { alertsApi, capRoutes } from "../alerts/index.js";
import type { AuditLog, OperatorSessions, UserAccounts, VerifyAccessToken } from "../auth/index.js";
import { accessControlPlugin, authApi, createAccessTokens, createAccessVerifier } from "../auth/index.js";
import type { BrokerAccess } from "../broker/index.js";
import { brokerApi } from "../broker/index.js";
import type { DeviceRegistry, DeviceSecrets } from "../devices/index.js";
import { devicesApi } from "../devices/index.js";
import type { AqiStandard } from "../indices/index.js";
import { indicesApi } from "../indices/index.js";
import { type FileStationsStore, industrialApi } from "../industrial/index.js";
import type { Clock } from "../kernel/clock.js";
import { ServiceError } from "../kernel/errors.js";
import type { OpenData } from "../open-data/index.js";
import { API_V1_PREFIX } from "../platform/http/access.js";
import { registerBrowserSecurity } from "../platform/http/browser-security.js";
import { dashboardStatic } from "../platform/http/dashboard-static.js";
import { frameworkErrorReply, registerErrorReplies } from "../platform/http/error-replies.js";
import { healthRoutes, type ReadinessChecks, type ReadinessDetails } from "../platform/http/health-routes.js";
import { metricsRoutes, publicMetricsAccess } from "../platform/http/metrics-routes.js";
import { registerOpenApi } from "../platform/http/openapi.js";
import type { OutboundGuard } from "../platform/http/outbound-guard.js";
import type { DeadLetterRepository, TimeSeriesStore } from "../readings/index.js";
import { readingsApi } from "../readings/index.js";
import type { AgencyRepository, MailRepository, WarningService } from "../warnings/index.js";
import {
  communeDirectory,
  communeNamesOf,
  createWarningCap,
  subscriptionRoutes,
  warningCapRoutes,
  warningsApi,
} from "../warnings/index.js";

export interface ApiServerDeps {
  readonly logger: Logger;
  readonly clock: Clock;
  readonly store: TimeSeriesStore;
  readonly registry: DeviceRegistry;
  /** Device and service checks, also served over HTTP for an external broker (EMQX, mosquitto-go-auth). */
  readonly brokerAccess: BrokerAccess;
  /** Bearer token of those HTTP checks (BROKER_HTTP_AUTH_TOKEN); they are off without it. */
  readonly brokerHttpAuthToken?: string;
  readonly webhooks: WebhookRepository;
  /** Judges webhook URLs when they are registered (config WEBHOOK_ALLOWED_HOSTS). */
  readonly webhookTargets: Pick<OutboundGuard, "checkUrl">;
  /** Device broker secrets: issued and revoked by the device administration routes. */
  readonly deviceSecrets: DeviceSecrets;
  readonly deadLetters: DeadLetterRepository;
  readonly metricsRegistry: Registry;
  /**
   * Config METRICS_TOKEN: /metrics on this server needs it as a bearer token; without it /metrics
   * is not served here (404): Prometheus then scrapes the internal METRICS_PORT listener.
   */
  readonly metricsToken?: string;
  readonly readiness: ReadinessChecks;
  readonly readinessDetails?: ReadinessDetails;
  readonly dashboardRoot: string;
  readonly version: string;
  readonly rules: AlertRulesRepository;
  readonly alerts: AlertService;
  /** The warning network: agencies' warnings, and the agencies themselves. */
  readonly warnings: WarningService;
  readonly agencies: AgencyRepository;
  /** Residents' e-mail subscriptions; refused unless an SMTP relay is configured (`mailEnabled`). */
  readonly warningMail: MailRepository;
  readonly mailEnabled?: boolean;
  readonly audit: AuditLog;
  readonly accounts: UserAccounts;
  /** Refresh tokens (their lifetime, REFRESH_TOKEN_TTL_S, is the sessions store's). */
  readonly sessions: OperatorSessions;
  /** Signs access tokens (config JWT_SECRET, or loadOrCreateJwtSecret(DATA_DIR)). */
  readonly jwtSecret: string;
  /** Config ACCESS_TOKEN_TTL_S. */
  readonly accessTokenTtlS: number;
  /** Config CORS_ORIGINS; empty: no cross-origin browser access. */
  readonly corsOrigins: readonly string[];
  /** True when served over HTTPS (then HSTS is sent). */
  readonly https?: boolean;
  /** Defaults: DEFAULT_RATE_LIMITS. */
  readonly rateLimits?: Partial<ApiRateLimits>;
  /**
   * Behind a reverse proxy: which proxies to believe about the client address (Fastify's
   * trustProxy), so rate limits and the audit log see the real client, not the proxy.
   */
  readonly trustProxy?: boolean | string | readonly string[];
  /** Resolves once the alert engine evaluates with the rules as they are now (absent: no engine). */
  readonly rulesApplied?: () => Promise<void>;
  /** CAP <sender> and the base of public links (config CAP_SENDER, PUBLIC_BASE_URL). */
  readonly cap: { readonly sender: string; readonly publicBaseUrl?: string };
  /** AQI served by /api/v1/aqi… (config AQI_STANDARD); VN_AQI when absent. */
  readonly aqiStandard?: AqiStandard;
  /** The index engine's INDEX_GRACE_MS and INDEX_TICK_MS: when a new air station's first AQI is due. */
  readonly indexTiming?: { readonly graceMs: number; readonly tickMs: number };
  /** SensorThings API, public CSV, daily archives and their catalogue; not served when absent. */
  readonly openData?: OpenData;
  /** Facilities reporting by file: their routes are served when there are any. */
  readonly industrial?: FileStationsStore | undefined;
}

export interface RateLimit {
  readonly max: number;
  /** Milliseconds. */
  readonly timeWindow: number;
}

/** Per client address: login, refresh and logout; and each public route (resident pages, CAP). */
export interface ApiRateLimits {
  readonly auth: RateLimit;
  readonly public: RateLimit;
}

export const DEFAULT_RATE_LIMITS: ApiRateLimits = {
  auth: { max: 10, timeWindow: 60_000 },
  public: { max: 120, timeWindow: 60_000 },
};

declare module "fastify" {
  interface FastifyInstance {
    /** Checks an access token and its account, for the Socket.IO handshake (createSocketAuthenticator). */
    verifyAccessToken: VerifyAccessToken;
  }
}

/** The HTTP API as a Fastify instance, not yet listening (tests use `inject`). */
export async function createApiServer(deps: ApiServerDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    ...(deps.trustProxy === undefined
      ? {}
      : { trustProxy: typeof deps.trustProxy === "object" ? [...deps.trustProxy] : deps.trustProxy }),
    // One line per request would drown the log at dashboard polling rates; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    // Errors raised before routing (a URL that is not valid percent-encoding…) in the API's shape too.
    frameworkErrors: frameworkErrorReply,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  // Thrown ServiceErrors with their catalogue status (kernel/errors.ts), validation as 400
  // bad_request, anything else 500 internal_error; unknown routes 404 not_found.
  registerErrorReplies(app);

  await registerOpenApi(app, deps.version);
  await registerBrowserSecurity(app, { corsOrigins: deps.corsOrigins, https: deps.https ?? false });

  // Access control before any route: its onRoute hook checks every /api/v1 route declares who may
  // call it, and gives public routes their rate limit before @fastify/rate-limit reads the route.
  const rateLimits: ApiRateLimits = { ...DEFAULT_RATE_LIMITS, ...deps.rateLimits };
  await app.register(fastifyJwt, {
    secret: deps.jwtSecret,
    sign: { algorithm: "HS256" },
    verify: { algorithms: ["HS256"] },
  });
  const tokens = createAccessTokens(app.jwt, { ttlS: deps.accessTokenTtlS, clock: deps.clock });
  const activeUser = (username: string) => deps.accounts.activeUser(username);
  app.decorate("verifyAccessToken", createAccessVerifier(tokens, activeUser));
  await app.register(accessControlPlugin, { tokens, activeUser, publicRateLimit: rateLimits.public });
  await app.register(fastifyRateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) =>
      new ServiceError(
        context.statusCode === 403 ? "forbidden" : "too_many_requests",
        `too many requests: try again in ${context.after}`,
      ),
  });

  await app.register(healthRoutes, { checks: deps.readiness, details: deps.readinessDetails ?? {} });
  await app.register(metricsRoutes, {
    registry: deps.metricsRegistry,
    access: publicMetricsAccess(deps.metricsToken),
  });
  const { store, registry, clock, audit } = deps;
  const communeCodes = async () =>
    new Set((await registry.list()).flatMap((d) => (d.registered && d.area !== null ? [d.area] : [])));
  await app.register(
    async (api) => {
      await api.register(authApi, {
        accounts: deps.accounts,
        sessions: deps.sessions,
        tokens,
        audit,
        now: () => clock.now(),
        rateLimit: rateLimits.auth,
      });
      await api.register(devicesApi, { registry, store, credentials: deps.deviceSecrets, audit });
      await api.register(readingsApi, { store, registry, deadLetters: deps.deadLetters, clock });
      await api.register(indicesApi, {
        store,
        registry,
        clock,
        standard: deps.aqiStandard ?? "vn",
        ...(deps.indexTiming === undefined ? {} : { timing: deps.indexTiming }),
      });
      await api.register(alertsApi, {
        rules: deps.rules,
        alerts: deps.alerts,
        webhooks: deps.webhooks,
        webhookTargets: deps.webhookTargets,
        audit,
        rulesApplied: deps.rulesApplied ?? (() => Promise.resolve()),
      });
      await api.register(warningsApi, {
        warnings: deps.warnings,
        agencies: deps.agencies,
        audit,
        clock,
        communeCodes,
        communeNames: async () => communeNamesOf(await registry.list()),
        accountExists: async (username) => (await deps.accounts.find(username)) !== undefined,
      });
      await api.register(brokerApi, { access: deps.brokerAccess, token: deps.brokerHttpAuthToken });
      if (deps.openData) await api.register(deps.openData.api);
      if (deps.industrial) await api.register(industrialApi, { ...deps.industrial, clock });
    },
    { prefix: API_V1_PREFIX },
  );
  const warningCap = createWarningCap({
    warnings: deps.warnings,
    agencies: deps.agencies,
    communes: async () => communeDirectory(await registry.list()),
    sender: deps.cap.sender,
    clock,
    ...(deps.cap.publicBaseUrl === undefined ? {} : { publicBaseUrl: deps.cap.publicBaseUrl }),
  });
  await app.register(capRoutes, {
    alerts: deps.alerts,
    registry,
    clock,
    ...deps.cap,
    moreEntries: warningCap.feedEntries,
  });
  await app.register(warningCapRoutes, { cap: warningCap, warnings: deps.warnings, ...deps.cap });
  if (deps.openData) await app.register(deps.openData.routes);
  await app.register(subscriptionRoutes, {
    mail: deps.warningMail,
    enabled: deps.mailEnabled ?? false,
    communeCodes,
    clock,
    ...(deps.cap.publicBaseUrl === undefined ? {} : { publicBaseUrl: deps.cap.publicBaseUrl }),
  });
  await app.register(dashboardStatic, { root: deps.dashboardRoot });
  return app;
}
