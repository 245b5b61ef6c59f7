/** The indices feature as the rest of the service uses it. */
export { aqiRoutes } from "./api/aqi-routes.js";
export { indexCalculatorRoutes } from "./api/calculator-routes.js";
export { floodRoutes } from "./api/flood-routes.js";
export { indicesApi } from "./api/indices-api.js";
export { wqiRoutes } from "./api/wqi-routes.js";
export { type FloodAlarmLevel, floodAlarmLevel, floodLevelLabel } from "./calculators/flood-level.js";
export { createIndexEngine, type IndexEngine } from "./engine/index-engine.js";
export type { AqiStandard } from "./engine/index-series.js";
export { createIndexEngineMetrics } from "./engine/metrics.js";
