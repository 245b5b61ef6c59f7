/** The industrial feature's pure part, for the browser. */
export { type FacilitiesResponse, facilitiesResponseSchema } from "./facilities-view.js";
