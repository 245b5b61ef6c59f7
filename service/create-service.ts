import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { collectDefaultMetrics, Registry } from "prom-client";
import type { BootstrapOutcome } from "../auth/index.js";
import { createBrokerAccess, type StartedBroker, startBroker } from "../broker/index.js";
import { fileStationsOptionsFrom, startFileStations } from "../industrial/index.js";
import type { Clock } from "../kernel/clock.js";
import { deviceTopic } from "../kernel/topics.js";
import { brokerUrlOf, type ServiceConfig } from "../platform/config.js";
import { createHealthServer, listenForMetrics } from "../platform/http/health-server.js";
import { createStopSequence } from "../platform/lifecycle.js";
import { listenerErrorReporter } from "../platform/listeners.js";
import {
  createBrokerPublishedFeed,
  createEdgeIngest,
  createIngestMetrics,
  createIngestWorker,
  createInProcessReadingsFeed,
  createMqttReadingsFeed,
} from "../readings/index.js";
import { startFacilityDatalogger } from "../simulators/facility-datalogger.js";
import { startApiPart } from "./api-part.js";
import { joinCluster } from "./cluster-relay.js";
import { startDemoFleet } from "./demo-fleet.js";
import { openFeatureStores } from "./feature-stores.js";
import { SERVICE_CLIENT_PREFIX, serviceLogin, servicePasswordFor } from "./service-identity.js";
import { openStorage } from "./storage.js";

/** Fixed so that every demo shows the same calibrations and faults. */
const DEMO_DATALOGGER_SEED = 20260101;

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
  const { clock, version } = deps;
  const log = (module: string) => deps.logger.child({ module });
  const parts = config.PARTS;
  const stops = createStopSequence(log("service"));
  const metricsRegistry = new Registry();
  collectDefaultMetrics({ register: metricsRegistry });
  const onListenerError = listenerErrorReporter(log("events"), metricsRegistry);
  try {
    // Storage: the metadata database with every feature's tables, and the time series.
    const { sqlite, metadata, close } = await openStorage(config.DATA_DIR, config);
    stops.add("database", close);
    const stores = await openFeatureStores(config, {
      sqlite,
      metadata,
      metricsRegistry,
      clock,
      log,
      onListenerError,
    });
    stops.add("store", () => stores.store.close());
    // Cluster: with REDIS_URL, the other nodes hear of alerts and rule and device changes at once.
    const cluster = config.REDIS_URL
      ? await joinCluster(config.REDIS_URL, stores, log("cluster"))
      : undefined;
    if (cluster) stops.add("cluster", () => cluster.close());
    const { registry, readiness, details } = stores;
    const servicePassword = servicePasswordFor(config);
    const brokerAccess = createBrokerAccess(
      { serviceClientPrefix: SERVICE_CLIENT_PREFIX, servicePassword },
      { credentials: stores.credentials, clock },
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
    const ingestDeps = {
      store: stores.store,
      registry,
      deadLetters: stores.deadLetters,
      metrics: createIngestMetrics(metricsRegistry),
      clock,
      logger: log("ingest"),
    };
    // The ingest at the broker's edge when broker and ingest run here (the default, and the
    // production stack's broker container): a reading is stored before the broker acknowledges
    // it. Without the broker here, the ingest is an MQTT client of it.
    let embedded: StartedBroker | undefined;
    const publishThroughBroker = (topic: string, payload: string) => embedded?.broker.publish(topic, payload);
    const edgeFeed =
      parts.has("broker") && parts.has("ingest")
        ? (localFeed ?? createBrokerPublishedFeed(publishThroughBroker))
        : undefined;
    const edge = edgeFeed
      ? createEdgeIngest(ingestOptions, { ...ingestDeps, feed: edgeFeed, sendToDevice: publishThroughBroker })
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
      cluster?.relay.onRemoteDeviceChange((deviceId) => void running.broker.invalidateDevice(deviceId));
      readiness.broker = () => running.broker.isReady();
    }
    const brokerUrl = brokerUrlOf({ ...config, MQTT_PORT: embedded?.mqttPort ?? config.MQTT_PORT });
    const feed =
      localFeed ??
      edgeFeed ??
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
            { ...ingestDeps, feed },
          )
        : undefined);
    if (ingest) readiness.ingest = () => ingest.isReady();

    // API: HTTP routes of every feature, the live view, alerts and indices; or health checks alone.
    const api = parts.has("api")
      ? await startApiPart(config, {
          stores,
          feed,
          brokerAccess,
          broker: embedded?.broker,
          metricsRegistry,
          clock,
          log,
          version,
          stops,
          ...(cluster ? { cluster } : {}),
        })
      : undefined;
    const http: FastifyInstance =
      api?.http ??
      (await createHealthServer({
        logger: log("http"),
        checks: readiness,
        details,
        registry: metricsRegistry,
        metricsToken: config.METRICS_TOKEN,
      }));
    if (!api) stops.add("http", () => http.close());
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
    // Industrial stations reporting by file: the FTP server's inbox, read into the ingest at the edge.
    if (stores.industrial && edge) {
      const fileStations = await startFileStations(fileStationsOptionsFrom(config), {
        store: stores.industrial,
        registry,
        rules: stores.rules,
        submit: (deviceId, entries) =>
          edge.readings({
            topic: deviceTopic(deviceId, "readings"),
            payload: Buffer.from(JSON.stringify(entries)),
            retain: false,
          }),
        clock,
        logger: log("industrial"),
      });
      stops.add("station-file intake", () => fileStations.stop());
      // The simulated facility's datalogger, only when it is the demo facility that is registered.
      if (config.DEMO && !config.INDUSTRIAL_FACILITIES_FILE) {
        const datalogger = startFacilityDatalogger({
          facilities: stores.industrial.facilities,
          inboxDir: fileStationsOptionsFrom(config).inboxDir,
          seed: DEMO_DATALOGGER_SEED,
          clock,
          logger: log("demo-datalogger"),
        });
        stops.add("demo datalogger", () => datalogger.stop());
      }
    }
    const broker = embedded?.broker;
    if (broker) stops.add("broker intake", () => broker.stopAcceptingDevices());
    if (config.DEMO && embedded) {
      const demo = await startDemoFleet({
        brokerUrl: `mqtt://127.0.0.1:${embedded.mqttPort}`,
        intervalMs: config.DEMO_INTERVAL_MS,
        registry,
        credentials: stores.credentials,
        dataDir: config.DATA_DIR,
        clock,
        logger: log("demo-fleet"),
      });
      stops.add("demo fleet", () => demo.stop());
    }
    const address = http.server.address();
    return {
      httpPort: typeof address === "object" && address ? address.port : undefined,
      mqttPort: embedded?.mqttPort,
      mqttTlsPort: embedded?.mqttTlsPort,
      firstAdmin: api?.firstAdmin ?? { created: false },
      stop: () => stops.stop(),
    };
  } catch (error) {
    await stops.stop();
    throw error;
  }
}
