import type Database from "better-sqlite3";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { Clock } from "../../kernel/clock.js";
import type { ServiceConfig } from "../../platform/config.js";
import type { ReadinessChecks, ReadinessDetails } from "../../platform/http/health-routes.js";
import type { DeadLetterRepository } from "./dead-letter-repository.js";
import { checkInfluxConnection } from "./influx/connection-check.js";
import type { DeviceTagLookup } from "./influx/device-tags.js";
import {
  createInfluxTimeSeriesStore,
  influxStoreOptionsFromConfig,
} from "./influx/influx-time-series-store.js";
import { createInfluxStoreMetrics } from "./influx/metrics.js";
import { createSqliteTimeSeriesStore } from "./sqlite/sqlite-time-series-store.js";
import { createWorkerSeriesWriter } from "./sqlite/worker-series-writer.js";
import type { TimeSeriesStore } from "./time-series-store.js";

/** The readiness check of a store: ready when it answers a ping. */
const answersPing = (store: TimeSeriesStore) => () => store.ping().then(() => true);

export interface OpenedTimeSeriesStore {
  readonly store: TimeSeriesStore;
  /** Checks /readyz runs for the store (and the InfluxDB spool). */
  readonly readiness: ReadinessChecks;
  readonly details: ReadinessDetails;
}

/**
 * The time-series store this process writes to: InfluxDB when configured (each process with its
 * own spool, named after the parts it runs), else the embedded SQLite store beside the metadata.
 */
export async function openTimeSeriesStore(
  config: ServiceConfig,
  deps: {
    readonly sqlite: Database.Database;
    readonly deadLetters: DeadLetterRepository;
    readonly deviceTags: DeviceTagLookup;
    readonly metricsRegistry: Registry;
    readonly clock: Clock;
    readonly logger: Logger;
  },
): Promise<OpenedTimeSeriesStore> {
  const influxOptions = influxStoreOptionsFromConfig(
    config,
    `influx-spool-${[...config.PARTS].sort().join("-")}`,
  );
  if (!influxOptions) {
    const store = createSqliteTimeSeriesStore(deps.sqlite, createWorkerSeriesWriter(config.DATA_DIR));
    return { store, readiness: { store: answersPing(store) }, details: {} };
  }
  await checkInfluxConnection({
    url: influxOptions.url,
    token: influxOptions.token,
    org: influxOptions.org,
    buckets: [influxOptions.bucket, influxOptions.rollupBucket],
  });
  const influx = await createInfluxTimeSeriesStore(influxOptions, {
    deadLetters: deps.deadLetters,
    deviceTags: deps.deviceTags,
    metrics: createInfluxStoreMetrics(deps.metricsRegistry, deps.clock),
    logger: deps.logger,
    clock: deps.clock,
  });
  return {
    store: influx,
    readiness: {
      store: answersPing(influx),
      // Not ready while the spool is full: writes are refused and the broker holds the messages.
      influxSpool: () => !influx.status().spool.full,
    },
    details: {
      influx: () => {
        const status = influx.status();
        return {
          mode: status.mode,
          spoolLines: status.spool.lines,
          spoolBytes: status.spool.bytes,
          spoolAlarm: status.spool.alarm,
          oldestSpooledAgeMs: status.oldestSpooledAgeMs,
        };
      },
    },
  };
}
