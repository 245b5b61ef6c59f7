/** The pure part of the alerts feature that other features' pure code uses: CAP 1.2 text helpers. */
export { CAP_GEOCODE_NAME, CAP_NAMESPACE, capDateTime, capToken, xmlEscape } from "./cap.js";
