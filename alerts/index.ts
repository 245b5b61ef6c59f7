/** The alerts feature as the rest of the service uses it. */
export { alertRoutes } from "./api/alert-routes.js";
export { capRoutes } from "./api/cap-routes.js";
export { ruleRoutes } from "./api/rule-routes.js";
export { webhookRoutes } from "./api/webhook-routes.js";
export { type AlertGateway, createAlertGateway } from "./delivery/alert-gateway.js";
export { createWebhookDispatcher, type WebhookDispatcher } from "./delivery/webhooks/webhook-dispatcher.js";
export { type AlertEngine, createAlertEngine } from "./engine/alert-engine.js";
export { createReminderTimer } from "./engine/reminder-timer.js";
export { type AlertFeatureTables, alertFeatureMigrations } from "./store/alert-feature-schema.js";
export { type AlertRulesRepository, createAlertRulesRepository } from "./store/alert-rules-repository.js";
export { createAlertStateStore } from "./store/alert-state-store.js";
export { type AlertStore, createAlertStore } from "./store/alert-store.js";
export { createWebhookRepository, type WebhookRepository } from "./store/webhook-repository.js";
