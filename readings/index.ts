/** The readings feature as the rest of the service uses it. */
export { catalogueRoutes } from "./api/catalogue-routes.js";
export { latestRoutes } from "./api/latest-routes.js";
export { createLiveGateway, type LiveGateway } from "./api/live-gateway.js";
export { type ReadingsApiOptions, readingsApi } from "./api/readings-api.js";
export { readingsRoutes } from "./api/readings-routes.js";
export { rejectedRoutes } from "./api/rejected-routes.js";
export { createBrokerPublishedFeed, createMqttReadingsFeed } from "./feed/mqtt-readings-feed.js";
export { createInProcessReadingsFeed, type StoredReadingsFeed } from "./feed/stored-readings-feed.js";
export { createEdgeIngest, type EdgeIngest } from "./ingest/edge-ingest.js";
export { createIngestWorker, type IngestWorker } from "./ingest/ingest-worker.js";
export { createIngestMetrics } from "./ingest/metrics.js";
export { createDeadLetterRepository, type DeadLetterRepository } from "./store/dead-letter-repository.js";
export type { DeadLetterTables } from "./store/dead-letter-schema.js";
export { checkInfluxConnection, InfluxConnectionError } from "./store/influx/connection-check.js";
export {
  createInfluxTimeSeriesStore,
  type InfluxTimeSeriesStore,
  influxStoreOptionsFromConfig,
} from "./store/influx/influx-time-series-store.js";
export { createInfluxStoreMetrics } from "./store/influx/metrics.js";
export { openTimeSeriesStore } from "./store/open-time-series-store.js";
export { createSqliteTimeSeriesStore } from "./store/sqlite/sqlite-time-series-store.js";
export { createWorkerSeriesWriter } from "./store/sqlite/worker-series-writer.js";
export type { TimeSeriesStore } from "./store/time-series-store.js";
