/** The alerts feature as the rest of the service uses it. */
export { type AlertService, createAlertService } from "./alert-service.js";
export { type Alerting, startAlerting } from "./alerting.js";
export { alertsApi } from "./api/alerts-api.js";
export { capRoutes, type FeedEntry } from "./api/cap-routes.js";
export type { AtomEntry } from "./delivery/cap/atom-feed.js";
export { type RuleDefinition, ruleDefinitionSchema } from "./model/rule.js";
export { type AlertFeatureTables, alertFeatureMigrations } from "./store/alert-feature-schema.js";
export { createAlertRepository } from "./store/alert-repository.js";
export { type AlertRulesRepository, createAlertRulesRepository } from "./store/alert-rules-repository.js";
export { createWebhookRepository, type WebhookRepository } from "./store/webhook-repository.js";
