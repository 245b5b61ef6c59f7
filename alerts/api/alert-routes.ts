import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import {
  alertActionBodySchema,
  alertDetailSchema,
  alertEventSchema,
  alertsResponseSchema,
  errorResponseSchema,
  publicAlertsResponseSchema,
} from "../../kernel/api-contract.js";
import { ServiceError } from "../../kernel/errors.js";
import { type AuditRecorder, actorOf, auditAction } from "../../platform/http/access.js";
import { areaCodeSchema, instantSchema } from "../../platform/http/query-schemas.js";
import type { AlertService } from "../alert-service.js";

export interface AlertRoutesOptions {
  readonly alerts: AlertService;
  readonly audit: AuditRecorder;
}

const MAX_LIST = 5000;
const idParams = z.object({
  id: z.coerce.number().int().positive({ error: "id must be a positive whole number" }),
});

const listQuery = z
  .object({
    state: z.enum(["active", "all"], { error: "state must be active or all" }).default("active"),
    area: areaCodeSchema.optional(),
    from: instantSchema.optional(),
    to: instantSchema.optional(),
    limit: z.coerce
      .number({ error: "limit must be a number" })
      .int("limit must be a whole number")
      .min(1, "limit must be at least 1")
      .max(MAX_LIST, `limit must be at most ${MAX_LIST}`)
      .default(500),
  })
  .refine((q) => q.from === undefined || q.to === undefined || q.from < q.to, {
    message: "from must be before to",
  });

export const alertRoutes: FastifyPluginAsyncZod<AlertRoutesOptions> = async (app, { alerts, audit }) => {
  app.get(
    "/alerts",
    {
      config: { access: "viewer" },
      schema: {
        tags: ["alerts"],
        summary: "Alerts, newest first",
        description:
          "state=active (default): alerts still active; state=all: every alert. With from/to: the alerts in effect during the window (opened before `to`, not cleared before `from`).",
        querystring: listQuery,
        response: { 200: alertsResponseSchema },
      },
    },
    async (request) => ({ alerts: await alerts.list(request.query) }),
  );

  app.get(
    "/alerts/:id",
    {
      config: { access: "viewer" },
      schema: {
        tags: ["alerts"],
        summary: "One alert with every transition (time, actor, value, comment)",
        params: idParams,
        response: { 200: alertDetailSchema, 404: errorResponseSchema },
      },
    },
    async (request) => {
      const alert = await alerts.get(request.params.id);
      if (!alert) throw new ServiceError("not_found", `no alert ${request.params.id}`);
      return alert;
    },
  );

  const actions = [
    {
      path: "ack",
      summary: "Acknowledge an alert, with an optional comment (409 once acknowledged or resolved)",
      run: (id: number, actor: string, comment: string | null) => alerts.acknowledge(id, actor, comment),
    },
    {
      path: "resolve",
      summary: "Resolve an alert: it closes, and a new breach opens a new one (409 once resolved)",
      run: (id: number, actor: string, comment: string | null) => alerts.resolve(id, actor, comment),
    },
  ] as const;

  for (const action of actions) {
    app.post(
      `/alerts/:id/${action.path}`,
      {
        config: { access: "operator" },
        schema: {
          tags: ["alerts"],
          summary: action.summary,
          params: idParams,
          // A POST without a body is an action without a comment.
          body: alertActionBodySchema.optional(),
          response: { 200: alertEventSchema, 404: errorResponseSchema, 409: errorResponseSchema },
        },
      },
      async (request) => {
        const id = request.params.id;
        const comment = request.body?.comment || null;
        const result = await action.run(id, actorOf(request), comment);
        // not_found (404) or conflict (409): the refusal's reason is its catalogue code.
        if (!result.ok) throw new ServiceError(result.reason, result.message);
        await auditAction(audit, request, {
          action: `alert.${action.path}`,
          target: `alert:${id}`,
          before: null,
          after: { transition: result.transition.transition, transitionId: result.transition.id, comment },
        });
        return result.transition;
      },
    );
  }

  app.get(
    "/public/alerts",
    {
      config: { access: "public" },
      schema: {
        tags: ["public"],
        summary: "Active public alerts, optionally of one commune or ward",
        querystring: z.object({ area: areaCodeSchema.optional() }),
        response: { 200: publicAlertsResponseSchema },
      },
    },
    async (request) => {
      const list = await alerts.list({ state: "active", audience: "public", area: request.query.area });
      return { alerts: list.map(({ ruleVersion: _v, acknowledged: _a, resolved: _r, ...rest }) => rest) };
    },
  );
};
