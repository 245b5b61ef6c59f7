import { fileURLToPath } from "node:url";
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { type Alerting, startAlerting } from "../alerts/index.js";
import { type BootstrapOutcome, ensureBootstrapAdmin, loadOrCreateJwtSecret } from "../auth/index.js";
import type { BrokerAccess, MqttBroker } from "../broker/index.js";
import { createIndexEngine, createIndexEngineMetrics } from "../indices/index.js";
import type { Clock } from "../kernel/clock.js";
import { createOpenData } from "../open-data/index.js";
import type { ClusterBus } from "../platform/cluster/cluster-bus.js";
import { createLeaseKeeper } from "../platform/cluster/lease-keeper.js";
import { createRedisLeaseStore } from "../platform/cluster/redis-lease-store.js";
import type { ServiceConfig } from "../platform/config.js";
import type { StopSequence } from "../platform/lifecycle.js";
import { createLiveGateway, type StoredReadingsFeed } from "../readings/index.js";
import { communeNamesOf, createSmtpTransport, startWarningNetwork } from "../warnings/index.js";
import { createApiServer } from "./api-server.js";
import type { ClusterRelay } from "./cluster-relay.js";
import type { FeatureStores } from "./feature-stores.js";
import { closeLiveServer, createLiveServer } from "./live-server.js";

const DASHBOARD_ROOT = fileURLToPath(new URL("../dashboard/dist", import.meta.url));

/**
 * The API part: every feature's HTTP routes, the live view on Socket.IO, the alerts and the
 * indices, all fed by the stored-readings feed. Not yet listening; each piece adds its stop step.
 */
export async function startApiPart(
  config: ServiceConfig,
  deps: {
    readonly stores: FeatureStores;
    readonly feed: StoredReadingsFeed;
    readonly brokerAccess: BrokerAccess;
    /** The embedded broker, when this process runs it: MQTT over WebSocket is served at /mqtt. */
    readonly broker: MqttBroker | undefined;
    readonly metricsRegistry: Registry;
    readonly clock: Clock;
    readonly log: (module: string) => Logger;
    readonly version: string;
    readonly stops: StopSequence;
    /** REDIS_URL: the other nodes of a cluster, and what they tell this one. */
    readonly cluster?: { readonly bus: ClusterBus; readonly relay: ClusterRelay };
  },
): Promise<{ readonly http: FastifyInstance; readonly firstAdmin: BootstrapOutcome }> {
  const { stores, feed, clock, log, stops, metricsRegistry } = deps;
  const { store, registry, accounts, rules, alerts, webhooks, outbound, metadata } = stores;
  const firstAdmin = await ensureBootstrapAdmin(accounts, {
    password: config.BOOTSTRAP_ADMIN_PASSWORD,
    demo: config.DEMO,
  });
  let alerting: Alerting | undefined;
  const openData = await createOpenData(
    {
      dataDir: config.DATA_DIR,
      archiveDays: config.OPEN_DATA_ARCHIVE_DAYS,
      licence: { name: config.OPEN_DATA_LICENCE_NAME, url: config.OPEN_DATA_LICENCE_URL },
      publisher: config.OPEN_DATA_PUBLISHER,
      aqiStandard: config.AQI_STANDARD,
      ratePerMinute: config.OPEN_DATA_RATE_LIMIT,
      ...(config.PUBLIC_BASE_URL ? { publicBaseUrl: config.PUBLIC_BASE_URL } : {}),
    },
    { metadata, registry, store, audit: stores.audit, clock, logger: log("open-data") },
  );
  const app = await createApiServer({
    ...stores,
    logger: log("http"),
    clock,
    deviceSecrets: stores.credentials,
    brokerAccess: deps.brokerAccess,
    brokerHttpAuthToken: config.BROKER_HTTP_AUTH_TOKEN,
    webhookTargets: outbound,
    jwtSecret: config.JWT_SECRET ?? loadOrCreateJwtSecret(config.DATA_DIR),
    accessTokenTtlS: config.ACCESS_TOKEN_TTL_S,
    corsOrigins: config.CORS_ORIGINS,
    https: Boolean(config.TLS_CERT_FILE && config.TLS_KEY_FILE),
    rulesApplied: () => alerting?.rulesApplied() ?? Promise.resolve(),
    cap: { sender: config.CAP_SENDER, publicBaseUrl: config.PUBLIC_BASE_URL },
    metricsRegistry,
    metricsToken: config.METRICS_TOKEN,
    readinessDetails: stores.details,
    dashboardRoot: DASHBOARD_ROOT,
    version: deps.version,
    aqiStandard: config.AQI_STANDARD,
    indexTiming: { graceMs: config.INDEX_GRACE_MS, tickMs: config.INDEX_TICK_MS },
    openData,
    mailEnabled: config.SMTP_URL !== undefined,
  });
  const io = createLiveServer(app, {
    clock,
    onSessionsEnded: accounts.onSessionsEnded,
    ...(deps.cluster ? { cluster: deps.cluster.bus } : {}),
  });
  const relay = deps.cluster?.relay;
  // The alert work (rules, reminders, webhooks) runs on one node at a time: the lease's holder.
  const alertLease = deps.cluster
    ? createLeaseKeeper(
        { name: "alerts", nodeId: deps.cluster.bus.nodeId },
        { store: createRedisLeaseStore(deps.cluster.bus.client), clock, logger: log("cluster") },
      )
    : undefined;
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
    { noDataGraceMs: config.ALERT_NODATA_GRACE_MS, reminderIntervalMs: config.ALERT_REMINDER_INTERVAL_MS },
    {
      io,
      metadata,
      rules,
      alerts,
      webhooks,
      outbound,
      stations: registry,
      clock,
      logger: log("alerts"),
      ...(relay ? { remoteTransitions: relay.remoteTransitions } : {}),
      ...(alertLease
        ? { lease: { lease: alertLease.name, token: alertLease.token, onChange: alertLease.onChange } }
        : {}),
    },
  );
  alerting = alertsNow;
  stops.add("alerting", () => alertsNow.stop());
  const warningNetwork = await startWarningNetwork({
    io,
    warnings: stores.warnings,
    agencies: stores.agencies,
    audit: stores.audit,
    clock,
    logger: log("warnings"),
    ...(config.SMTP_URL === undefined
      ? {}
      : {
          mail: {
            settings: {
              from: config.MAIL_FROM,
              maxPerRecipientPerHour: config.MAIL_MAX_PER_RECIPIENT_PER_HOUR,
            },
            repository: stores.warningMail,
            transport: createSmtpTransport(config.SMTP_URL),
            communeNames: async () => communeNamesOf(await registry.list()),
          },
        }),
  });
  stops.add("warning network", () => warningNetwork.stop());
  if (alertLease) {
    await alertLease.start();
    // Stopped first: the lease is released and another node takes the work over at once.
    stops.add("alert lease", () => alertLease.stop());
  }
  relay?.onRemoteRuleChange(() => void alertsNow.rulesApplied());
  // Only the node holding the alerts lease evaluates: the others do not even check the batches.
  const evaluatesHere = () => alertLease === undefined || alertLease.token() !== undefined;
  relay?.onRemoteReadings((readings) => alertsNow.acceptStored(readings), evaluatesHere);
  relay?.onRemoteAqi((event) => alertsNow.acceptAqi(event), evaluatesHere);
  const indices = createIndexEngine(
    { standard: config.AQI_STANDARD, graceMs: config.INDEX_GRACE_MS, tickMs: config.INDEX_TICK_MS },
    {
      store,
      areaOf: (station) => registry.areaOf(station),
      wqiSettingsOf: async (station) => (await registry.get(station))?.wqiSettings ?? null,
      clock,
      logger: log("indices"),
      onAqi: (event) => {
        live.emitAqi(event);
        alertsNow.acceptAqi(event);
        relay?.shareAqi(event);
      },
      metrics: createIndexEngineMetrics(metricsRegistry),
    },
  );
  stops.add("index engine", () => indices.stop());
  // The fan-out of stored readings, in one place: the live view, the indices, the alerts.
  feed.subscribe((readings) => live.acceptStored(readings));
  feed.subscribe((readings) => indices.acceptStored(readings));
  feed.subscribe((readings) => alertsNow.acceptStored(readings));
  if (relay) feed.subscribe((readings) => relay.shareStored(readings));
  await indices.start();
  openData.archive.start();
  stops.add("open-data archives", () => openData.archive.stop());
  deps.broker?.attachWebSocket(app.server);
  return { http: app, firstAdmin };
}
