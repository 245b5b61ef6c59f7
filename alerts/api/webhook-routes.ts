import { randomBytes } from "node:crypto";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { errorResponseSchema } from "../../kernel/api-contract.js";
import { ServiceError } from "../../kernel/errors.js";
import { type AuditRecorder, auditAction } from "../../platform/http/access.js";
import { sendError } from "../../platform/http/error-replies.js";
import type { OutboundGuard } from "../../platform/http/outbound-guard.js";
import { isoTime } from "../../platform/http/query-schemas.js";
import { AUDIENCES } from "../model/rule.js";
import {
  type AlertDeliveryRecord,
  DELIVERY_STATUSES,
  type DeliveryRecord,
  type WebhookRecord,
  type WebhookRepository,
} from "../store/webhook-repository.js";

export interface WebhookRoutesOptions {
  readonly webhooks: Pick<
    WebhookRepository,
    "create" | "list" | "get" | "remove" | "deliveries" | "deliveriesForAlert"
  >;
  readonly audit: AuditRecorder;
  /**
   * Refuses a URL whose host is, or resolves to, an address webhooks may not reach (loopback,
   * private…) unless WEBHOOK_ALLOWED_HOSTS allows it. Each delivery is judged again.
   */
  readonly targets: Pick<OutboundGuard, "checkUrl">;
  /** A new webhook's secret when the admin gives none (default: 32 random bytes, base64url). */
  readonly newSecret?: () => string;
}

const idParams = z.object({ id: z.coerce.number().int().positive() });

const webhookSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  url: z.string(),
  audience: z.enum(AUDIENCES),
  enabled: z.boolean(),
  createdAt: z.string().meta({ description: "ISO 8601, UTC" }),
});

const createWebhookBody = z.strictObject({
  name: z.string({ error: "name is required" }).trim().min(1, "name must not be empty").max(200),
  url: z
    .url({ protocol: /^https?$/, error: "url must be an http(s) URL" })
    .max(2000, "url must be at most 2000 characters"),
  audience: z.enum(AUDIENCES, { error: `audience must be one of ${AUDIENCES.join(", ")}` }),
  /** For a receiver whose key is fixed on its side; otherwise the server makes one. */
  secret: z
    .string()
    .min(32, "secret must be at least 32 characters")
    .max(256, "secret must be at most 256 characters")
    .optional(),
  enabled: z.boolean().default(true),
});

const deliverySchema = z.object({
  id: z.number().int(),
  webhookId: z.number().int(),
  transitionId: z.number().int().meta({ description: "the alert transition; X-Event-Id of the request" }),
  status: z.enum(DELIVERY_STATUSES).meta({
    description: "pending: not tried yet; failed: retry scheduled; delivered; dead: gave up",
  }),
  attempts: z.number().int(),
  nextAttemptAt: z.string().nullable().meta({ description: "ISO 8601, UTC; null once delivered or dead" }),
  lastError: z.string().nullable(),
  deliveredAt: z.string().nullable(),
});

const alertDeliverySchema = deliverySchema.extend({
  webhookName: z.string(),
  transition: z.string(),
});

const toWebhook = (webhook: WebhookRecord) => ({
  id: webhook.id,
  name: webhook.name,
  url: webhook.url,
  audience: webhook.audience,
  enabled: webhook.enabled,
  createdAt: isoTime(webhook.createdAt),
});

const toDelivery = (delivery: DeliveryRecord) => ({
  id: delivery.id,
  webhookId: delivery.webhookId,
  transitionId: delivery.transitionId,
  status: delivery.status,
  attempts: delivery.attempts,
  nextAttemptAt:
    delivery.status === "pending" || delivery.status === "failed" ? isoTime(delivery.nextAttemptAt) : null,
  lastError: delivery.lastError,
  deliveredAt: delivery.deliveredAt === null ? null : isoTime(delivery.deliveredAt),
});

const toAlertDelivery = (delivery: AlertDeliveryRecord) => ({
  ...toDelivery(delivery),
  webhookName: delivery.webhookName,
  transition: delivery.transition,
});

const defaultSecret = () => randomBytes(32).toString("base64url");
// Refusals are answered here (sendError) rather than thrown to the server's error handler: the
// same answer, and the plugin gives it on any Fastify instance it is registered on.
const notFound = (id: number) => new ServiceError("not_found", `no webhook ${id}`);

/**
 * Webhook administration (admin) and delivery status. The server keeps each webhook's secret in
 * clear: it signs every delivery with HMAC-SHA256, which needs the key itself, so a hash would
 * not do. The secret is shown once, in the answer to POST, and never listed again; to change it,
 * delete the webhook and create it anew.
 */
export const webhookRoutes: FastifyPluginAsyncZod<WebhookRoutesOptions> = async (app, options) => {
  const { webhooks, audit, targets } = options;
  const newSecret = options.newSecret ?? defaultSecret;

  app.get(
    "/webhooks",
    {
      config: { access: "admin" },
      schema: {
        tags: ["webhooks"],
        summary: "Webhooks (without their secrets)",
        response: { 200: z.object({ webhooks: z.array(webhookSchema) }) },
      },
    },
    async () => ({ webhooks: (await webhooks.list()).map(toWebhook) }),
  );

  app.post(
    "/webhooks",
    {
      config: { access: "admin" },
      schema: {
        tags: ["webhooks"],
        summary:
          "Register a webhook: alert transitions are POSTed to it as JSON, signed with " +
          "X-Signature-256: sha256=<hex HMAC-SHA256 of the body>. The answer carries the secret, once. " +
          "The URL's host must be, and resolve only to, public addresses unless WEBHOOK_ALLOWED_HOSTS lists it.",
        body: createWebhookBody,
        response: { 201: webhookSchema.extend({ secret: z.string() }), 400: errorResponseSchema },
      },
    },
    async (request, reply) => {
      const { secret, ...fields } = request.body;
      const target = await targets.checkUrl(fields.url);
      if (!target.ok) return sendError(reply, new ServiceError("bad_request", `body url: ${target.reason}`));
      const created = await webhooks.create({ ...fields, secret: secret ?? newSecret() });
      const shown = toWebhook(created);
      await auditAction(audit, request, {
        action: "webhook.create",
        target: `webhook:${created.id}`,
        before: null,
        after: shown,
      });
      return reply.code(201).send({ ...shown, secret: created.secret });
    },
  );

  app.delete(
    "/webhooks/:id",
    {
      config: { access: "admin" },
      schema: {
        tags: ["webhooks"],
        summary: "Delete a webhook and its delivery history (deliveries not yet made are dropped)",
        params: idParams,
        response: { 204: z.null(), 404: errorResponseSchema },
      },
    },
    async (request, reply) => {
      const removed = await webhooks.remove(request.params.id);
      if (!removed) return sendError(reply, notFound(request.params.id));
      await auditAction(audit, request, {
        action: "webhook.delete",
        target: `webhook:${removed.id}`,
        before: toWebhook(removed),
        after: null,
      });
      return reply.code(204).send(null);
    },
  );

  app.get(
    "/webhooks/:id/deliveries",
    {
      config: { access: "admin" },
      schema: {
        tags: ["webhooks"],
        summary: "A webhook's deliveries, newest first",
        params: idParams,
        querystring: z.object({
          status: z
            .enum(DELIVERY_STATUSES, { error: `status must be one of ${DELIVERY_STATUSES.join(", ")}` })
            .optional(),
          limit: z.coerce.number().int().min(1).max(5000).default(200),
        }),
        response: {
          200: z.object({ webhookId: z.number().int(), deliveries: z.array(deliverySchema) }),
          404: errorResponseSchema,
        },
      },
    },
    async (request, reply) => {
      const webhook = await webhooks.get(request.params.id);
      if (!webhook) return sendError(reply, notFound(request.params.id));
      const deliveries = await webhooks.deliveries(webhook.id, request.query);
      return { webhookId: webhook.id, deliveries: deliveries.map(toDelivery) };
    },
  );

  app.get(
    "/alerts/:id/deliveries",
    {
      config: { access: "viewer" },
      schema: {
        tags: ["alerts"],
        summary: "Webhook deliveries of an alert's transitions: delivered, retrying or dead",
        params: idParams,
        response: {
          200: z.object({ alertId: z.number().int(), deliveries: z.array(alertDeliverySchema) }),
          404: errorResponseSchema,
        },
      },
    },
    async (request, reply) => {
      const deliveries = await webhooks.deliveriesForAlert(request.params.id);
      if (!deliveries)
        return sendError(reply, new ServiceError("not_found", `no alert ${request.params.id}`));
      return { alertId: request.params.id, deliveries: deliveries.map(toAlertDelivery) };
    },
  );
};
