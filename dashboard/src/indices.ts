/** The index calculators the service uses, shared so the pages agree with it to the colour. */
export { floodAlarmLevel, floodLevelLabel } from "../../domain/indices/flood-level.js";
export { vnAqiCategory } from "../../domain/indices/vn-aqi.js";
