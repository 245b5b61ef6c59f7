import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { SpoolStats } from "./spool.js";
import { WRITE_FAILURE_KINDS } from "./write-failure.js";

export type InfluxStoreMetrics = ReturnType<typeof createInfluxStoreMetrics>;

/**
 * The InfluxDB store on /metrics. Spool gauges are read when scraped, from whichever store was
 * last attached (one per process).
 */
export function createInfluxStoreMetrics(registry: Registry, clock: { now(): number } = Date) {
  let spoolStats: (() => SpoolStats) | undefined;
  const fromSpool = (pick: (s: SpoolStats) => number) =>
    function (this: Gauge) {
      const stats = spoolStats?.();
      this.set(stats ? pick(stats) : 0);
    };

  const writeFailures = new Counter({
    name: "envmon_influx_write_failures_total",
    help: "Write requests to InfluxDB that failed, by kind (network, server_error, throttled, unauthorized, not_found, too_large, rejected)",
    labelNames: ["kind"] as const,
    registers: [registry],
  });
  for (const kind of WRITE_FAILURE_KINDS) writeFailures.inc({ kind }, 0);
  const linesWritten = new Counter({
    name: "envmon_influx_lines_written_total",
    help: "Line-protocol lines InfluxDB accepted, by path (direct, or replayed from the spool)",
    labelNames: ["path"] as const,
    registers: [registry],
  });
  linesWritten.inc({ path: "direct" }, 0);
  linesWritten.inc({ path: "replay" }, 0);

  return {
    writeFailures,
    linesWritten,
    linesDeadLettered: new Counter({
      name: "envmon_influx_lines_dead_lettered_total",
      help: "Lines InfluxDB refused for their content, recorded as dead letters",
      registers: [registry],
    }),
    writeSeconds: new Histogram({
      name: "envmon_influx_write_request_seconds",
      help: "Duration of one write request to InfluxDB",
      buckets: [0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    rollupHours: new Counter({
      name: "envmon_influx_rollup_hours_total",
      help: "Hours rolled up (or recomputed) into the hourly bucket",
      registers: [registry],
    }),
    spoolBytes: new Gauge({
      name: "envmon_influx_spool_bytes",
      help: "Disk used by the InfluxDB spool",
      registers: [registry],
      collect: fromSpool((s) => s.bytes),
    }),
    spoolMaxBytes: new Gauge({
      name: "envmon_influx_spool_max_bytes",
      help: "Disk the InfluxDB spool may use (INFLUX_SPOOL_MAX_BYTES)",
      registers: [registry],
      collect: fromSpool((s) => s.maxBytes),
    }),
    spoolLines: new Gauge({
      name: "envmon_influx_spool_lines",
      help: "Line-protocol lines waiting in the spool for InfluxDB",
      registers: [registry],
      collect: fromSpool((s) => s.lines),
    }),
    spoolOldestAgeSeconds: new Gauge({
      name: "envmon_influx_spool_oldest_age_seconds",
      help: "Age of the oldest batch waiting in the spool; 0 when empty",
      registers: [registry],
      collect: fromSpool((s) => (s.oldestAt === null ? 0 : Math.max(0, clock.now() - s.oldestAt) / 1000)),
    }),
    spoolAlarm: new Gauge({
      name: "envmon_influx_spool_alarm",
      help: "1 when the spool uses 80 % or more of INFLUX_SPOOL_MAX_BYTES",
      registers: [registry],
      collect: fromSpool((s) => (s.alarm ? 1 : 0)),
    }),
    /** Points the spool gauges at a store's spool. */
    observeSpool(stats: () => SpoolStats): void {
      spoolStats = stats;
    },
  };
}
