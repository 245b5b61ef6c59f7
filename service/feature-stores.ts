import type Database from "better-sqlite3";
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import {
  createAlertRepository,
  createAlertRulesRepository,
  createAlertService,
  createWebhookRepository,
} from "../alerts/index.js";
import { createAuditLog, createOperatorSessions, createUserAccounts } from "../auth/index.js";
import { createDeviceCredentials, createDeviceRegistry, deviceSecretKeyFrom } from "../devices/index.js";
import { openFileStationsStore } from "../industrial/index.js";
import type { Clock } from "../kernel/clock.js";
import type { ServiceConfig } from "../platform/config.js";
import { createOutboundGuard } from "../platform/http/outbound-guard.js";
import type { ListenerErrorHandler } from "../platform/listeners.js";
import { createDeadLetterRepository, openTimeSeriesStore } from "../readings/index.js";
import {
  communeCentroids,
  createAgencyRepository,
  createMailRepository,
  createWarningRepository,
  createWarningService,
} from "../warnings/index.js";
import type { MetadataDatabase } from "./metadata.js";

/**
 * What every part of the service reads and writes, over the metadata database and the time
 * series: each feature's repositories and services, made once per process.
 */
export async function openFeatureStores(
  config: ServiceConfig,
  deps: {
    readonly sqlite: Database.Database;
    readonly metadata: Kysely<MetadataDatabase>;
    readonly metricsRegistry: Registry;
    readonly clock: Clock;
    readonly log: (module: string) => Logger;
    readonly onListenerError: ListenerErrorHandler;
  },
) {
  const { metadata, clock, log, onListenerError } = deps;
  const registry = createDeviceRegistry(metadata, clock, {
    onListenerError: (err, deviceId) => onListenerError("device changes", err, [deviceId]),
  });
  const credentials = createDeviceCredentials(metadata, clock, {
    secretKey: deviceSecretKeyFrom(config),
    onUnusableHash: (deviceId, problem) =>
      log("devices").warn({ deviceId, problem }, "device refused: its stored secret hash cannot be checked"),
  });
  const deadLetters = createDeadLetterRepository(metadata, { maxRows: config.DEAD_LETTER_MAX_ROWS });
  const series = await openTimeSeriesStore(config, {
    sqlite: deps.sqlite,
    deadLetters,
    deviceTags: async (id) => {
      const device = await registry.get(id);
      return { area: device?.area ?? null, kind: device?.kind ?? null };
    },
    metricsRegistry: deps.metricsRegistry,
    clock,
    logger: log("influx"),
  });
  const rules = createAlertRulesRepository(metadata, clock, {
    onInvalidDefinition: (ruleId, version, problem) =>
      log("alerts").warn({ ruleId, version, problem }, "stored alert rule no longer valid; skipped"),
    onListenerError: (err) => onListenerError("rule changes", err, []),
  });
  const alerts = createAlertService({ repository: createAlertRepository(metadata), clock, onListenerError });
  const agencies = createAgencyRepository(metadata, clock);
  return {
    metadata,
    registry,
    credentials,
    deadLetters,
    ...series,
    rules,
    alerts,
    agencies,
    warningMail: createMailRepository(metadata),
    warnings: createWarningService({
      repository: createWarningRepository(metadata),
      agencies,
      communes: async () => communeCentroids(await registry.list()),
      alerts,
      clock,
      onListenerError,
    }),
    webhooks: createWebhookRepository(metadata, clock),
    /** Where admin-given URLs (webhooks) may point: never internal addresses unless allowed. */
    outbound: createOutboundGuard({ allowed: config.WEBHOOK_ALLOWED_HOSTS }),
    audit: createAuditLog(metadata, clock),
    accounts: createUserAccounts(metadata, clock),
    sessions: createOperatorSessions(metadata, clock, { ttlMs: config.REFRESH_TOKEN_TTL_S * 1000 }),
    /** Facilities reporting by file and their received files; undefined when there are none. */
    industrial: await openFileStationsStore(
      { facilitiesFile: config.INDUSTRIAL_FACILITIES_FILE, demo: config.DEMO },
      metadata,
    ),
  };
}

export type FeatureStores = Awaited<ReturnType<typeof openFeatureStores>>;
