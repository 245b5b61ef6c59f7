/** The pure part of the warning network that the dashboard uses: the views it receives, levels, hazards. */
export { HAZARD_INFO, HAZARD_TYPES, type HazardType } from "./hazard.js";
export { RISK_LEVEL_INFO, RISK_LEVELS, type RiskLevel } from "./risk-level.js";
export {
  type PublicWarningView,
  publicWarningEventSchema,
  publicWarningSchema,
  type WarningView,
  warningViewSchema,
} from "./warning-view.js";
