/** The index calculators the service uses, shared so the pages agree with it to the colour. */
export { floodAlarmLevel, floodLevelLabel } from "../../indices/calculators/flood-level.js";
export { vnAqiCategory } from "../../indices/calculators/vn-aqi.js";
