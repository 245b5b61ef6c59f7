import { randomBytes, randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { Counter, collectDefaultMetrics, Registry } from "prom-client";
import {
  type Alerting,
  createAlertRepository,
  createAlertRulesRepository,
  createAlertService,
  createWebhookRepository,
  startAlerting,
} from "../alerts/index.js";
import {
  type BootstrapOutcome,
  createAuditLog,
  createOperatorSessions,
  createUserAccounts,
  ensureBootstrapAdmin,
  loadOrCreateJwtSecret,
} from "../auth/index.js";
import { createBrokerAccess, type StartedBroker, startBroker } from "../broker/index.js";
import { createDeviceCredentials, createDeviceRegistry, deviceSecretKeyFrom } from "../devices/index.js";
import { createIndexEngine, createIndexEngineMetrics } from "../indices/index.js";
import type { Clock } from "../kernel/clock.js";
import { brokerUrlOf, ConfigError, SERVICE_PARTS, type ServiceConfig } from "../platform/config.js";
import { createHealthServer, listenForMetrics } from "../platform/http/health-server.js";
import { createOutboundGuard } from "../platform/http/outbound-guard.js";
import { createStopSequence } from "../platform/lifecycle.js";
import type { ListenerErrorHandler } from "../platform/listeners.js";
import {
  createDeadLetterRepository,
  createEdgeIngest,
  createIngestMetrics,
  createIngestWorker,
  createInProcessReadingsFeed,
  createLiveGateway,
  createMqttReadingsFeed,
  openTimeSeriesStore,
} from "../readings/index.js";
import { createApiServer } from "./api-server.js";
import { startDemoFleet } from "./demo-fleet.js";
import { closeLiveServer, createLiveServer } from "./live-server.js";
import { openStorage } from "./storage.js";

/** Client ids of the service's own MQTT clients start with this; the broker treats them apart. */
export const SERVICE_CLIENT_PREFIX = "svc-";
const DASHBOARD_ROOT = fileURLToPath(new URL("../dashboard/dist", import.meta.url));

export interface RunningService {
  readonly httpPort: number | undefined;
  readonly mqttPort: number | undefined;
  /** MQTT over TLS, when a certificate is configured. */
  readonly mqttTlsPort: number | undefined;
  /** Whether this start created the first admin (and the password, when it generated one). */
  readonly firstAdmin: BootstrapOutcome;
  /** Stops accepting, drains and flushes everything acknowledged, closes the store. Idempotent. */
  stop(): Promise<void>;
}

export interface ServiceDeps {
  readonly logger: Logger;
  readonly clock: Clock;
  readonly version: string;
}

/**
 * Composition root: which features run in this process (config PARTS) and how they are wired.
 * Each part adds its stop step once started; stopping runs them newest first.
 */
export async function startService(config: ServiceConfig, deps: ServiceDeps): Promise<RunningService> {
  const { clock } = deps;
  const log = (module: string) => deps.logger.child({ module });
  const parts = config.PARTS;
  const stops = createStopSequence(log("service"));
  const metricsRegistry = new Registry();
  collectDefaultMetrics({ register: metricsRegistry });
  const onListenerError = listenerErrorReporter(log("events"), metricsRegistry);
  let started: Omit<RunningService, "stop">;
  try {
    // Storage: the metadata database with every feature's tables, and the time series.
    const { sqlite, metadata, close } = await openStorage(config.DATA_DIR);
    stops.add("database", close);
    const registry = createDeviceRegistry(metadata, clock, {
      onListenerError: (err, deviceId) => onListenerError("device changes", err, [deviceId]),
    });
    const credentials = createDeviceCredentials(metadata, clock, {
      secretKey: deviceSecretKeyFrom(config),
      onUnusableHash: (deviceId, problem) =>
        log("devices").warn(
          { deviceId, problem },
          "device refused: its stored secret hash cannot be checked",
        ),
    });
    const deadLetters = createDeadLetterRepository(metadata, { maxRows: config.DEAD_LETTER_MAX_ROWS });
    const series = await openTimeSeriesStore(config, {
      sqlite,
      deadLetters,
      deviceTags: async (id) => {
        const device = await registry.get(id);
        return { area: device?.area ?? null, kind: device?.kind ?? null };
      },
      metricsRegistry,
      clock,
      logger: log("influx"),
    });
    const { store, readiness, details } = series;
    stops.add("store", () => store.close());
    const rules = createAlertRulesRepository(metadata, clock, {
      onInvalidDefinition: (ruleId, version, problem) =>
        log("alerts").warn({ ruleId, version, problem }, "stored alert rule no longer valid; skipped"),
      onListenerError: (err) => onListenerError("rule changes", err, []),
    });
    const alerts = createAlertService({
      repository: createAlertRepository(metadata),
      clock,
      onListenerError,
    });
    const webhooks = createWebhookRepository(metadata, clock);
    const outbound = createOutboundGuard({ allowed: config.WEBHOOK_ALLOWED_HOSTS });
    const audit = createAuditLog(metadata, clock);
    const accounts = createUserAccounts(metadata, clock);
    const sessions = createOperatorSessions(metadata, clock, { ttlMs: config.REFRESH_TOKEN_TTL_S * 1000 });
    const servicePassword = servicePasswordFor(config);
    const brokerAccess = createBrokerAccess(
      { serviceClientPrefix: SERVICE_CLIENT_PREFIX, servicePassword },
      { credentials, clock },
    );

    // Stored readings, announced once durable: in memory when ingest and API share this process
    // (or neither runs here), through the broker when only one of them does.
    const localFeed =
      parts.has("ingest") === parts.has("api") ? createInProcessReadingsFeed(onListenerError) : undefined;
    const ingestOptions = {
      batchSize: config.INGEST_BATCH_SIZE,
      batchDelayMs: config.INGEST_BATCH_DELAY_MS,
      maxPending: config.INGEST_MAX_PENDING,
      maxPayloadBytes: config.MAX_PAYLOAD_BYTES,
    };
    const ingestDeps = { store, registry, deadLetters, metrics: createIngestMetrics(metricsRegistry), clock };
    // Ingest at the broker's edge when broker, ingest and API all run here (the default): a
    // reading is stored before the broker acknowledges it. Apart, the ingest is an MQTT client.
    let embedded: StartedBroker | undefined;
    const edge =
      localFeed && SERVICE_PARTS.every((part) => parts.has(part))
        ? createEdgeIngest(ingestOptions, {
            ...ingestDeps,
            feed: localFeed,
            logger: log("ingest"),
            sendToDevice: (topic, payload) => embedded?.broker.publish(topic, payload),
          })
        : undefined;

    // Broker: devices connect here; a changed device (decommissioned, secret rotated…) is checked now.
    if (parts.has("broker")) {
      const running = await startBroker(config, {
        serviceClientPrefix: SERVICE_CLIENT_PREFIX,
        access: brokerAccess,
        metricsRegistry,
        clock,
        logger: log("broker"),
        ...(edge ? { intake: edge } : {}),
      });
      embedded = running;
      stops.add("broker", () => running.broker.close());
      registry.onChange((deviceId) => void running.broker.invalidateDevice(deviceId));
      readiness.broker = () => running.broker.isReady();
    }
    const brokerUrl = brokerUrlOf({ ...config, MQTT_PORT: embedded?.mqttPort ?? config.MQTT_PORT });
    const feed =
      localFeed ??
      (await createMqttReadingsFeed({
        brokerUrl,
        ...serviceLogin("feed", servicePassword),
        logger: log("feed"),
        onListenerError,
      }));
    stops.add("feed", () => feed.close());

    // Ingest: validates, stores durably, acknowledges, announces.
    const ingest =
      edge ??
      (parts.has("ingest")
        ? createIngestWorker(
            {
              ...ingestOptions,
              brokerUrl,
              ...serviceLogin(config.INGEST_CLIENT_ID.replace(/^svc-/, ""), servicePassword),
              drainTimeoutMs: Math.max(1000, Math.floor(config.SHUTDOWN_TIMEOUT_MS / 2)),
            },
            { ...ingestDeps, feed, logger: log("ingest") },
          )
        : undefined);
    if (ingest) readiness.ingest = () => ingest.isReady();

    // API: HTTP routes of every feature, the live view, alerts and indices.
    let firstAdmin: BootstrapOutcome = { created: false };
    let http: FastifyInstance;
    if (parts.has("api")) {
      firstAdmin = await ensureBootstrapAdmin(accounts, {
        password: config.BOOTSTRAP_ADMIN_PASSWORD,
        demo: config.DEMO,
      });
      let alerting: Alerting | undefined;
      const app = await createApiServer({
        logger: log("http"),
        clock,
        store,
        registry,
        deadLetters,
        accounts,
        sessions,
        deviceSecrets: credentials,
        brokerAccess,
        brokerHttpAuthToken: config.BROKER_HTTP_AUTH_TOKEN,
        webhooks,
        webhookTargets: outbound,
        jwtSecret: config.JWT_SECRET ?? loadOrCreateJwtSecret(config.DATA_DIR),
        accessTokenTtlS: config.ACCESS_TOKEN_TTL_S,
        corsOrigins: config.CORS_ORIGINS,
        https: Boolean(config.TLS_CERT_FILE && config.TLS_KEY_FILE),
        rules,
        alerts,
        audit,
        rulesApplied: () => alerting?.rulesApplied() ?? Promise.resolve(),
        cap: { sender: config.CAP_SENDER, publicBaseUrl: config.PUBLIC_BASE_URL },
        metricsRegistry,
        metricsToken: config.METRICS_TOKEN,
        readiness,
        readinessDetails: details,
        dashboardRoot: DASHBOARD_ROOT,
        version: deps.version,
        aqiStandard: config.AQI_STANDARD,
      });
      http = app;
      const io = createLiveServer(app, { clock, onSessionsEnded: accounts.onSessionsEnded });
      stops.add("http", () => closeLiveServer(io, app));
      const live = createLiveGateway({
        io,
        registry,
        metricsRegistry,
        logger: log("live"),
        throttleMs: config.LIVE_THROTTLE_MS,
        now: () => clock.now(),
      });
      stops.add("live gateway", () => live.close());
      const alertsNow = await startAlerting(
        {
          noDataGraceMs: config.ALERT_NODATA_GRACE_MS,
          reminderIntervalMs: config.ALERT_REMINDER_INTERVAL_MS,
        },
        { io, metadata, rules, alerts, webhooks, outbound, stations: registry, clock, logger: log("alerts") },
      );
      alerting = alertsNow;
      stops.add("alerting", () => alertsNow.stop());
      const indices = createIndexEngine(
        { standard: config.AQI_STANDARD, graceMs: config.INDEX_GRACE_MS, tickMs: config.INDEX_TICK_MS },
        {
          store,
          areaOf: (station) => registry.areaOf(station),
          clock,
          logger: log("indices"),
          onAqi: (event) => {
            live.emitAqi(event);
            alertsNow.acceptAqi(event);
          },
          metrics: createIndexEngineMetrics(metricsRegistry),
        },
      );
      stops.add("index engine", () => indices.stop());
      // The fan-out of stored readings, in one place: the live view, the indices, the alerts.
      feed.subscribe((readings) => live.acceptStored(readings));
      feed.subscribe((readings) => indices.acceptStored(readings));
      feed.subscribe((readings) => alertsNow.acceptStored(readings));
      await indices.start();
      embedded?.broker.attachWebSocket(app.server);
    } else {
      http = await createHealthServer({
        logger: log("http"),
        checks: readiness,
        details,
        registry: metricsRegistry,
        metricsToken: config.METRICS_TOKEN,
      });
      stops.add("http", () => http.close());
    }
    await http.listen({ port: config.HTTP_PORT, host: config.BIND_HOST });
    const metricsListener = await listenForMetrics(config, {
      logger: log("http"),
      registry: metricsRegistry,
    });
    if (metricsListener) stops.add("metrics listener", () => metricsListener.close());

    // Last: everything that listens to stored readings is subscribed by now, so not even the
    // backlog the broker held for us during a restart goes unseen.
    if (ingest) {
      await ingest.start();
      stops.add("ingest drain", () => ingest.stop());
    }
    if (embedded) {
      const running = embedded;
      stops.add("broker intake", () => running.broker.stopAcceptingDevices());
    }
    if (config.DEMO && embedded) {
      const demo = await startDemoFleet({
        brokerUrl: `mqtt://127.0.0.1:${embedded.mqttPort}`,
        intervalMs: config.DEMO_INTERVAL_MS,
        registry,
        credentials,
        dataDir: config.DATA_DIR,
        clock,
        logger: log("demo-fleet"),
      });
      stops.add("demo fleet", () => demo.stop());
    }
    const address = http.server.address();
    started = {
      httpPort: typeof address === "object" && address ? address.port : undefined,
      mqttPort: embedded?.mqttPort,
      mqttTlsPort: embedded?.mqttTlsPort,
      firstAdmin,
    };
  } catch (error) {
    await stops.stop();
    throw error;
  }
  return { ...started, stop: () => stops.stop() };
}

/**
 * The service's own MQTT clients log in with the configured password, or one made for this start
 * when every part runs here (nobody else needs to know it).
 */
function servicePasswordFor(config: ServiceConfig): string {
  if (config.MQTT_SERVICE_PASSWORD !== undefined) return config.MQTT_SERVICE_PASSWORD;
  if (SERVICE_PARTS.every((part) => config.PARTS.has(part))) return randomBytes(24).toString("base64url");
  throw new ConfigError([
    "MQTT_SERVICE_PASSWORD: required when the broker, ingest and API run in separate processes",
  ]);
}

/** A service client's MQTT identity: `feed` gets a fresh suffix, since every API process runs one. */
function serviceLogin(role: string, password: string) {
  const clientId = `${SERVICE_CLIENT_PREFIX}${role === "feed" ? `feed-${randomUUID().slice(0, 8)}` : role}`;
  return { clientId, username: clientId, password };
}

/** A listener that throws is logged and counted, never breaks the others (platform/listeners.ts). */
function listenerErrorReporter(logger: Logger, metricsRegistry: Registry): ListenerErrorHandler {
  const failures = new Counter({
    name: "envmon_listener_errors_total",
    help: "Event listeners that threw or rejected, by event channel",
    labelNames: ["channel"],
    registers: [metricsRegistry],
  });
  return (channel, err) => {
    failures.inc({ channel });
    logger.error({ err, channel }, "listener failed");
  };
}
