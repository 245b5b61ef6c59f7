/** The index calculators the service uses, shared so the pages agree with it to the colour. */
export { floodAlarmLevel, floodLevelLabel, vnAqiCategory } from "../../indices/calculators/index.js";
