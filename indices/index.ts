/** The indices feature as the rest of the service uses it. */
export { indicesApi } from "./api/indices-api.js";
export { floodAlarmLevel } from "./calculators/flood-level.js";
export { createIndexEngine } from "./engine/index-engine.js";
export { type AqiStandard, aqiSeriesKey, WQI_SERIES_KEY } from "./engine/index-series.js";
export { createIndexEngineMetrics } from "./engine/metrics.js";
