/** The readings feature as the rest of the service uses it. */
export { createLiveGateway } from "./api/live-gateway.js";
export { readingsApi } from "./api/readings-api.js";
export { createBrokerPublishedFeed, createMqttReadingsFeed } from "./feed/mqtt-readings-feed.js";
export { createInProcessReadingsFeed, type StoredReadingsFeed } from "./feed/stored-readings-feed.js";
export { createEdgeIngest } from "./ingest/edge-ingest.js";
export { createIngestWorker } from "./ingest/ingest-worker.js";
export { createIngestMetrics } from "./ingest/metrics.js";
export { createDeadLetterRepository, type DeadLetterRepository } from "./store/dead-letter-repository.js";
export type { DeadLetterTables } from "./store/dead-letter-schema.js";
export { InfluxConnectionError } from "./store/influx/connection-check.js";
export {
  createInfluxTimeSeriesStore,
  type InfluxTimeSeriesStore,
  influxStoreOptionsFromConfig,
} from "./store/influx/influx-time-series-store.js";
export { openTimeSeriesStore } from "./store/open-time-series-store.js";
export type { TimeSeriesStore } from "./store/time-series-store.js";
