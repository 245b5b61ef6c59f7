import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import { REJECTION_REASONS } from "../../kernel/rejections.js";

export type IngestMetrics = ReturnType<typeof createIngestMetrics>;

export function createIngestMetrics(registry: Registry) {
  const rejected = new Counter({
    name: "envmon_ingest_rejected_total",
    help: "Readings or messages refused by validation, by reason",
    labelNames: ["reason"] as const,
    registers: [registry],
  });
  // Every reason shows up at 0 so that dashboards and alerts see the series before the first rejection.
  for (const reason of REJECTION_REASONS) rejected.inc({ reason }, 0);
  return {
    messagesIn: new Counter({
      name: "envmon_ingest_messages_total",
      help: "MQTT messages received by the ingest worker, by topic kind",
      labelNames: ["kind"] as const,
      registers: [registry],
    }),
    readingsStored: new Counter({
      name: "envmon_ingest_readings_stored_total",
      help: "Metric values durably stored",
      registers: [registry],
    }),
    rejected,
    batchWriteSeconds: new Histogram({
      name: "envmon_ingest_batch_write_seconds",
      help: "Time to make one batch durable (store, dead letters, statuses)",
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    batchWriteFailures: new Counter({
      name: "envmon_ingest_batch_write_failures_total",
      help: "Batch writes that failed and were retried",
      registers: [registry],
    }),
    pendingMessages: new Gauge({
      name: "envmon_ingest_pending_messages",
      help: "Messages received but not yet durable and acknowledged",
      registers: [registry],
    }),
  };
}
