import { randomBytes, randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import type { FastifyInstance } from "fastify";
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import { collectDefaultMetrics, Registry } from "prom-client";
import { Server as SocketServer } from "socket.io";
import {
  type AlertEngine,
  type AlertGateway,
  createAlertEngine,
  createAlertGateway,
  createAlertRulesRepository,
  createAlertStateStore,
  createAlertStore,
  createReminderTimer,
  createWebhookDispatcher,
  createWebhookRepository,
  type WebhookDispatcher,
} from "../alerts/index.js";
import {
  assertHandshakeChecksOnRecovery,
  type BootstrapOutcome,
  createAuditLog,
  createEventRateLimit,
  createHandshakeRateLimit,
  createOperatorSessions,
  createSocketAuthenticator,
  createUserAccounts,
  ensureBootstrapAdmin,
  loadOrCreateJwtSecret,
} from "../auth/index.js";
import {
  brokerLimitsFrom,
  createBroker,
  createBrokerAccess,
  createBrokerMetrics,
  type MqttBroker,
} from "../broker/index.js";
import { createDeviceCredentials, createDeviceRegistry } from "../devices/index.js";
import { createIndexEngine, createIndexEngineMetrics, type IndexEngine } from "../indices/index.js";
import type { Clock } from "../kernel/clock.js";
import { coalescedTask } from "../platform/coalesced-task.js";
import { brokerUrlOf, ConfigError, SERVICE_PARTS, type ServiceConfig } from "../platform/config.js";
import type { ReadinessChecks, ReadinessDetails } from "../platform/http/health-routes.js";
import { createHealthServer, listenForMetrics } from "../platform/http/health-server.js";
import { openSqliteDatabase } from "../platform/sqlite/sqlite-database.js";
import type { TimeSeriesStore } from "../readings/index.js";
import {
  checkInfluxConnection,
  createDeadLetterRepository,
  createInfluxStoreMetrics,
  createInfluxTimeSeriesStore,
  createIngestMetrics,
  createIngestWorker,
  createInProcessReadingsFeed,
  createLiveGateway,
  createMqttReadingsFeed,
  createSqliteTimeSeriesStore,
  createWorkerSeriesWriter,
  type InfluxTimeSeriesStore,
  type IngestWorker,
  influxStoreOptionsFromConfig,
  type LiveGateway,
  type StoredReadingsFeed,
} from "../readings/index.js";
import { createApiServer } from "./api-server.js";
import { startDemoFleet } from "./demo-fleet.js";
import type { MetadataDatabase } from "./metadata.js";
import { openServiceMetadata } from "./metadata.js";

export const SERVICE_CLIENT_PREFIX = "svc-";
const RULE_RELOAD_DELAY_MS = 20;
/** Clients only send subscriptions; nothing bigger is expected on the live sockets. */
const SOCKET_MAX_MESSAGE_BYTES = 64 * 1024;
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

/** Composition root: wires the parts this process runs (config PARTS) and starts them. */
export async function startService(config: ServiceConfig, deps: ServiceDeps): Promise<RunningService> {
  const { logger, clock } = deps;
  const parts = config.PARTS;
  const metricsRegistry = new Registry();
  collectDefaultMetrics({ register: metricsRegistry });

  const sqlite = openSqliteDatabase(config.DATA_DIR);
  let metadata: Kysely<MetadataDatabase>;
  try {
    metadata = await openServiceMetadata(sqlite);
  } catch (error) {
    sqlite.close();
    throw error;
  }
  const registry = createDeviceRegistry(metadata, clock);
  const deadLetters = createDeadLetterRepository(metadata, { maxRows: config.DEAD_LETTER_MAX_ROWS });
  // InfluxDB when configured (each process its own spool), else the embedded SQLite store.
  const influxOptions = influxStoreOptionsFromConfig(config, `influx-spool-${[...parts].sort().join("-")}`);
  let influxStore: InfluxTimeSeriesStore | undefined;
  if (influxOptions) {
    try {
      await checkInfluxConnection({
        url: influxOptions.url,
        token: influxOptions.token,
        org: influxOptions.org,
        buckets: [influxOptions.bucket, influxOptions.rollupBucket],
      });
      influxStore = await createInfluxTimeSeriesStore(influxOptions, {
        deadLetters,
        deviceTags: async (id) => {
          const device = await registry.get(id);
          return { area: device?.area ?? null, kind: device?.kind ?? null };
        },
        metrics: createInfluxStoreMetrics(metricsRegistry, clock),
        logger: logger.child({ part: "influx" }),
        clock,
      });
    } catch (error) {
      await metadata.destroy();
      throw error;
    }
  }
  const store: TimeSeriesStore =
    influxStore ?? createSqliteTimeSeriesStore(sqlite, createWorkerSeriesWriter(config.DATA_DIR));
  const rules = createAlertRulesRepository(metadata, clock, {
    onInvalidDefinition: (ruleId, version, problem) =>
      logger.warn({ ruleId, version, problem }, "stored alert rule no longer valid; skipped"),
    onListenerError: (err) => logger.error({ err }, "rule change listener failed"),
  });
  const alerts = createAlertStore(metadata, clock, {
    onListenerError: (err) => logger.error({ err }, "alert transition listener failed"),
  });
  const webhooks = createWebhookRepository(metadata, clock);
  const audit = createAuditLog(metadata, clock);
  const credentials = createDeviceCredentials(metadata, clock);
  const accounts = createUserAccounts(metadata, clock);
  const sessions = createOperatorSessions(metadata, clock, { ttlMs: config.REFRESH_TOKEN_TTL_S * 1000 });
  let firstAdmin: BootstrapOutcome = { created: false };
  // The service's own MQTT clients: the configured password, or one made for this start when
  // every part runs here (nobody else needs to know it).
  const allParts = SERVICE_PARTS.every((part) => parts.has(part));
  const servicePassword =
    config.MQTT_SERVICE_PASSWORD ?? (allParts ? randomBytes(24).toString("base64url") : undefined);
  if (servicePassword === undefined) {
    await metadata.destroy();
    throw new ConfigError([
      "MQTT_SERVICE_PASSWORD: required when the broker, ingest and API run in separate processes",
    ]);
  }
  const brokerAccess = createBrokerAccess(
    { serviceClientPrefix: SERVICE_CLIENT_PREFIX, servicePassword },
    { credentials, clock },
  );
  // Ingest and API in one process share memory; apart, stored readings travel through the broker.
  const feed =
    parts.has("ingest") && parts.has("api")
      ? createInProcessReadingsFeed((err) => logger.error({ err }, "live feed listener failed"))
      : undefined;
  let remoteFeed: Awaited<ReturnType<typeof createMqttReadingsFeed>> | undefined;
  const readiness: ReadinessChecks = {
    store: async () => {
      await store.ping();
      return true;
    },
  };
  const readinessDetails: ReadinessDetails = {};
  if (influxStore) {
    const influx = influxStore;
    // Not ready while the spool is full: writes are refused and the broker holds the messages.
    readiness.influxSpool = () => !influx.status().spool.full;
    readinessDetails.influx = () => {
      const status = influx.status();
      return {
        mode: status.mode,
        spoolLines: status.spool.lines,
        spoolBytes: status.spool.bytes,
        spoolAlarm: status.spool.alarm,
        oldestSpooledAgeMs: status.oldestSpooledAgeMs,
      };
    };
  }

  let broker: MqttBroker | undefined;
  let mqttPort: number | undefined;
  let mqttTlsPort: number | undefined;
  let app: FastifyInstance | undefined;
  let metricsServer: FastifyInstance | undefined;
  let io: SocketServer | undefined;
  let gateway: LiveGateway | undefined;
  let indices: IndexEngine | undefined;
  let alertEngine: AlertEngine | undefined;
  let alertGateway: AlertGateway | undefined;
  let reminders: { stop(): void } | undefined;
  let webhookDispatcher: WebhookDispatcher | undefined;
  // A burst of rule changes (an import of thousands) rebuilds the engine's index once; the API
  // answers a rule change only once the engine has it.
  const ruleReload = coalescedTask(() => alertEngine?.reload() ?? Promise.resolve(), RULE_RELOAD_DELAY_MS);
  let ingest: IngestWorker | undefined;
  let demo: { stop(): Promise<void> } | undefined;

  const closeAll = async () => {
    const step = async (name: string, action: () => Promise<unknown> | unknown) => {
      try {
        logger.debug(`shutdown: ${name}`);
        await action();
      } catch (err) {
        logger.error({ err }, `shutdown: ${name} failed`);
      }
    };
    await step("demo fleet", () => demo?.stop());
    await step("broker intake", () => broker?.stopAcceptingDevices());
    await step("ingest drain", () => ingest?.stop());
    await step("index engine", () => indices?.stop());
    await step("alert engine", async () => {
      reminders?.stop();
      ruleReload.cancel();
      await alertEngine?.stop();
    });
    await step("alert gateway", () => alertGateway?.close());
    await step("webhooks", () => webhookDispatcher?.stop());
    await step("live gateway", () => gateway?.close());
    await step("http", async () => {
      // Socket.IO first: it stops the HTTP server accepting and drops its connections, so a
      // client that reconnects at once cannot keep Fastify's close waiting for ever.
      await new Promise<void>((resolve) => (io ? io.close(() => resolve()) : resolve()));
      await app?.close();
    });
    await step("metrics listener", () => metricsServer?.close());
    await step("feed", () => remoteFeed?.close());
    await step("broker", () => broker?.close());
    await step("store", () => store.close());
    await step("database", async () => {
      sqlite.pragma("wal_checkpoint(TRUNCATE)");
      await metadata.destroy();
    });
  };

  try {
    if (parts.has("broker")) {
      const tls =
        config.TLS_CERT_FILE && config.TLS_KEY_FILE
          ? { certFile: config.TLS_CERT_FILE, keyFile: config.TLS_KEY_FILE }
          : undefined;
      broker = await createBroker(
        {
          serviceClientPrefix: SERVICE_CLIENT_PREFIX,
          drainTimeoutMs: 15_000,
          limits: brokerLimitsFrom(config),
          ...(tls ? { tls } : {}),
          // The in-process demo fleet connects its 24 stations from 127.0.0.1 at once.
          ...(config.DEMO ? { rateLimitExemptAddresses: ["127.0.0.1"] } : {}),
        },
        { logger, metrics: createBrokerMetrics(metricsRegistry), access: brokerAccess, clock },
      );
      const running = broker;
      // A device changed (decommissioned, secret rotated…): its open connection is checked now.
      registry.onChange((deviceId) => void running.invalidateDevice(deviceId));
      mqttPort = await broker.listen(config.MQTT_PORT, config.BIND_HOST);
      if (tls) mqttTlsPort = await broker.listenTls(config.MQTT_TLS_PORT, config.BIND_HOST);
      readiness.broker = () => running.isReady();
    }

    if (!feed && (parts.has("ingest") || parts.has("api"))) {
      const feedClientId = `${SERVICE_CLIENT_PREFIX}feed-${randomUUID().slice(0, 8)}`;
      remoteFeed = await createMqttReadingsFeed({
        brokerUrl: brokerUrlOf({ ...config, MQTT_PORT: mqttPort ?? config.MQTT_PORT }),
        clientId: feedClientId,
        username: feedClientId,
        password: servicePassword,
        logger,
      });
    }
    const readingsFeed = feed ?? (remoteFeed as StoredReadingsFeed);

    if (parts.has("ingest")) {
      const ingestClientId = `${SERVICE_CLIENT_PREFIX}${config.INGEST_CLIENT_ID.replace(/^svc-/, "")}`;
      const worker = createIngestWorker(
        {
          brokerUrl: brokerUrlOf({ ...config, MQTT_PORT: mqttPort ?? config.MQTT_PORT }),
          clientId: ingestClientId,
          username: ingestClientId,
          password: servicePassword,
          batchSize: config.INGEST_BATCH_SIZE,
          batchDelayMs: config.INGEST_BATCH_DELAY_MS,
          maxPending: config.INGEST_MAX_PENDING,
          maxPayloadBytes: config.MAX_PAYLOAD_BYTES,
          drainTimeoutMs: Math.max(1000, Math.floor(config.SHUTDOWN_TIMEOUT_MS / 2)),
        },
        {
          store,
          registry,
          deadLetters,
          feed: readingsFeed,
          metrics: createIngestMetrics(metricsRegistry),
          logger,
          clock,
        },
      );
      ingest = worker;
      readiness.ingest = () => worker.isReady();
    }

    if (parts.has("api")) {
      firstAdmin = await ensureBootstrapAdmin(accounts, {
        password: config.BOOTSTRAP_ADMIN_PASSWORD,
        demo: config.DEMO,
      });
      app = await createApiServer({
        logger,
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
        jwtSecret: config.JWT_SECRET ?? loadOrCreateJwtSecret(config.DATA_DIR),
        accessTokenTtlS: config.ACCESS_TOKEN_TTL_S,
        corsOrigins: config.CORS_ORIGINS,
        https: Boolean(config.TLS_CERT_FILE && config.TLS_KEY_FILE),
        rules,
        alerts,
        audit,
        rulesApplied: () => ruleReload.run(),
        cap: { sender: config.CAP_SENDER, publicBaseUrl: config.PUBLIC_BASE_URL },
        metricsRegistry,
        metricsToken: config.METRICS_TOKEN,
        readiness,
        readinessDetails,
        dashboardRoot: DASHBOARD_ROOT,
        version: deps.version,
        aqiStandard: config.AQI_STANDARD,
      });
      io = new SocketServer(app.server, { serveClient: false, maxHttpBufferSize: SOCKET_MAX_MESSAGE_BYTES });
      assertHandshakeChecksOnRecovery(io);
      const now = () => clock.now();
      const ops = io.of("/ops");
      ops.use(createHandshakeRateLimit({ max: 30, windowMs: 60_000 }, { now }));
      ops.use(
        createSocketAuthenticator(app.verifyAccessToken, { now, onSessionsEnded: accounts.onSessionsEnded }),
      );
      ops.use(createEventRateLimit({ max: 20, windowMs: 10_000 }, { now }));
      // Residents may share one carrier NAT address: a higher handshake allowance.
      const residents = io.of("/public");
      residents.use(createHandshakeRateLimit({ max: 300, windowMs: 60_000 }, { now }));
      residents.use(createEventRateLimit({ max: 10, windowMs: 10_000 }, { now }));
      gateway = createLiveGateway({
        io,
        feed: readingsFeed,
        registry,
        metricsRegistry,
        logger,
        throttleMs: config.LIVE_THROTTLE_MS,
        now: () => clock.now(),
      });
      alertGateway = createAlertGateway({ io, alerts, logger });
      // One dispatcher per database: it runs with the API (see alerts/delivery/webhooks/README.md).
      webhookDispatcher = createWebhookDispatcher({}, { webhooks, transitions: alerts, clock, logger });
      await webhookDispatcher.start();
      // Alerts are evaluated where the API runs, on the same stored-readings feed as the live view.
      const engine = createAlertEngine(
        { graceMs: config.ALERT_NODATA_GRACE_MS, tickMs: 1000, saveEveryMs: 1000 },
        {
          rules,
          feed: readingsFeed,
          stations: { list: () => registry.list(), get: (id) => registry.get(id) },
          states: createAlertStateStore(metadata),
          clock,
          logger,
          onSignal: async (signal, context) => {
            await alerts.applySignal(signal, context);
          },
        },
      );
      alertEngine = engine;
      rules.onChange(() => void ruleReload.run());
      alerts.onResolved((ruleId, source) => engine.forget(ruleId, source));
      await engine.start();
      reminders = createReminderTimer({
        alerts,
        intervalMs: config.ALERT_REMINDER_INTERVAL_MS,
        logger,
      });
      // Indices are computed where the API runs: it has the stored-readings feed and the live gateway.
      const live = gateway;
      indices = createIndexEngine(
        { standard: config.AQI_STANDARD, graceMs: config.INDEX_GRACE_MS, tickMs: config.INDEX_TICK_MS },
        {
          store,
          feed: readingsFeed,
          areaOf: (station) => registry.areaOf(station),
          clock,
          logger,
          onAqi: (event) => {
            live.emitAqi(event);
            engine.acceptAqi(event);
          },
          metrics: createIndexEngineMetrics(metricsRegistry),
        },
      );
      await indices.start();
      broker?.attachWebSocket(app.server);
      await app.listen({ port: config.HTTP_PORT, host: config.BIND_HOST });
    }

    if (!parts.has("api")) {
      app = await createHealthServer({
        logger,
        checks: readiness,
        details: readinessDetails,
        registry: metricsRegistry,
        metricsToken: config.METRICS_TOKEN,
      });
      await app.listen({ port: config.HTTP_PORT, host: config.BIND_HOST });
    }
    metricsServer = await listenForMetrics(config, { logger, registry: metricsRegistry });

    // Last: everything that listens to stored readings (live gateway, index engine) is subscribed
    // by now, so not even the backlog the broker held for us during a restart goes unseen.
    await ingest?.start();

    if (config.DEMO && mqttPort !== undefined) {
      demo = await startDemoFleet({
        brokerUrl: `mqtt://127.0.0.1:${mqttPort}`,
        intervalMs: config.DEMO_INTERVAL_MS,
        registry,
        credentials,
        dataDir: config.DATA_DIR,
        clock,
        logger,
      });
    }
  } catch (error) {
    await closeAll();
    throw error;
  }

  const address = app?.server.address();
  let stopping: Promise<void> | undefined;
  return {
    httpPort: typeof address === "object" && address ? address.port : undefined,
    mqttPort,
    mqttTlsPort,
    firstAdmin,
    stop: () => {
      stopping ??= closeAll();
      return stopping;
    },
  };
}
