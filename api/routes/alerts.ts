import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { AlertStore, AlertSummary } from "../../store/alert-store.js";
import { type AuditRecorder, actorOf, auditAction } from "../access.js";
import {
  alertDetailSchema,
  alertEventSchema,
  alertsResponseSchema,
  errorResponseSchema,
  publicAlertsResponseSchema,
} from "../contract.js";
import { areaCodeSchema, instantSchema } from "../query-schemas.js";

export interface AlertRoutesOptions {
  readonly alerts: AlertStore;
  readonly audit: AuditRecorder;
}

const idParams = z.object({ id: z.coerce.number().int().positive() });
const commentBody = z.strictObject({ comment: z.string().trim().max(2000).optional() }).prefault({});

export const alertRoutes: FastifyPluginAsyncZod<AlertRoutesOptions> = async (app, { alerts, audit }) => {
  app.get(
    "/api/v1/alerts",
    {
      config: { access: "viewer" },
      schema: {
        tags: ["alerts"],
        summary: "Alerts, newest first: the active ones, or all (optionally by area and opening time)",
        querystring: z.object({
          state: z.enum(["active", "all"], { error: "state must be active or all" }).default("active"),
          area: areaCodeSchema.optional(),
          from: instantSchema.optional(),
          to: instantSchema.optional(),
          limit: z.coerce.number().int().min(1).max(5000).default(500),
        }),
        response: { 200: alertsResponseSchema },
      },
    },
    async (request) => ({ alerts: await alerts.list(request.query) }),
  );

  app.get(
    "/api/v1/alerts/:id",
    {
      config: { access: "viewer" },
      schema: {
        tags: ["alerts"],
        summary: "One alert with every transition",
        params: idParams,
        response: { 200: alertDetailSchema, 404: errorResponseSchema },
      },
    },
    async (request, reply) => {
      const alert = await alerts.get(request.params.id);
      if (!alert)
        return reply.code(404).send({ error: "not_found", message: `no alert ${request.params.id}` });
      return alert;
    },
  );

  for (const [path, action, summary] of [
    ["ack", "acknowledged", "Acknowledge an alert"],
    ["resolve", "resolved", "Resolve an alert (closes it; a new breach opens a new one)"],
  ] as const) {
    app.post(
      `/api/v1/alerts/:id/${path}`,
      {
        config: { access: "operator" },
        schema: {
          tags: ["alerts"],
          summary,
          params: idParams,
          body: commentBody,
          response: { 200: alertEventSchema, 404: errorResponseSchema, 409: errorResponseSchema },
        },
      },
      async (request, reply) => {
        const id = request.params.id;
        const result = await alerts.act(id, action, actorOf(request), request.body.comment ?? null);
        if (!result.ok) {
          return reply
            .code(result.reason === "not_found" ? 404 : 409)
            .send({ error: result.reason, message: result.message });
        }
        await auditAction(audit, request, {
          action: `alert.${path}`,
          target: `alert:${id}`,
          before: null,
          after: { transition: result.event.transition, comment: result.event.comment },
        });
        return result.event;
      },
    );
  }

  app.get(
    "/api/v1/public/alerts",
    {
      config: { access: "public" },
      schema: {
        tags: ["public"],
        summary: "Current public alerts, optionally for one commune or ward",
        querystring: z.object({ area: areaCodeSchema.optional() }),
        response: { 200: publicAlertsResponseSchema },
      },
    },
    async (request) => {
      const list = await alerts.list({ state: "active", audience: "public", area: request.query.area });
      return { alerts: list.map(({ ruleVersion, acknowledged, resolved, ...rest }: AlertSummary) => rest) };
    },
  );
};
