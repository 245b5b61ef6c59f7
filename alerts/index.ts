/** The alerts feature as the rest of the service uses it. */

export { type AlertService, createAlertService } from "./alert-service.js";
export { type Alerting, startAlerting } from "./alerting.js";
export { alertRoutes } from "./api/alert-routes.js";
export { type AlertsApiOptions, alertsApi } from "./api/alerts-api.js";
export { capRoutes } from "./api/cap-routes.js";
export { ruleRoutes } from "./api/rule-routes.js";
export { webhookRoutes } from "./api/webhook-routes.js";
export { type AlertGateway, createAlertGateway } from "./delivery/alert-gateway.js";
export { createWebhookDispatcher, type WebhookDispatcher } from "./delivery/webhooks/webhook-dispatcher.js";
export { type AlertEngine, createAlertEngine } from "./engine/alert-engine.js";
export { createReminderTimer } from "./engine/reminder-timer.js";
export { type AlertFeatureTables, alertFeatureMigrations } from "./store/alert-feature-schema.js";
export { createAlertRepository } from "./store/alert-repository.js";
export { type AlertRulesRepository, createAlertRulesRepository } from "./store/alert-rules-repository.js";
export { createAlertStateStore } from "./store/alert-state-store.js";
export { createWebhookRepository, type WebhookRepository } from "./store/webhook-repository.js";
