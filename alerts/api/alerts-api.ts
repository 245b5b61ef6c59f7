import type { FastifyPluginAsync } from "fastify";
import type { AuditRecorder } from "../../platform/http/access.js";
import type { AlertService } from "../alert-service.js";
import type { AlertRulesRepository } from "../store/alert-rules-repository.js";
import type { WebhookRepository } from "../store/webhook-repository.js";
import { alertRoutes } from "./alert-routes.js";
import { ruleRoutes } from "./rule-routes.js";
import { type WebhookRoutesOptions, webhookRoutes } from "./webhook-routes.js";

export interface AlertsApiOptions {
  readonly rules: AlertRulesRepository;
  readonly alerts: AlertService;
  readonly webhooks: WebhookRepository;
  readonly webhookTargets: WebhookRoutesOptions["targets"];
  readonly audit: AuditRecorder;
  /** Resolves once the alert engine evaluates with the rules as they are now. */
  readonly rulesApplied: () => Promise<void>;
}

/** The alerts feature's HTTP routes under the API prefix: rules, alerts, webhooks (the CAP feed is apart). */
export const alertsApi: FastifyPluginAsync<AlertsApiOptions> = async (app, options) => {
  await app.register(ruleRoutes, {
    rules: options.rules,
    audit: options.audit,
    applied: options.rulesApplied,
  });
  await app.register(alertRoutes, { alerts: options.alerts, audit: options.audit });
  await app.register(webhookRoutes, {
    webhooks: options.webhooks,
    audit: options.audit,
    targets: options.webhookTargets,
  });
};
