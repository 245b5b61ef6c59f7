/** The pure index calculators, for other features' pure code and the browser. */
export { type FloodAlarmLevel, floodAlarmLevel, floodLevelLabel } from "./flood-level.js";
export { vnAqiCategory } from "./vn-aqi.js";
