import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { type AlertRule, ruleDefinitionSchema } from "../../domain/alerts/rule.js";
import type { AlertRulesRepository } from "../../store/alert-rules-repository.js";
import { type AuditRecorder, actorOf, auditAction } from "../access.js";
import { errorResponseSchema } from "../contract.js";
import { isoTime } from "../query-schemas.js";

export interface RuleRoutesOptions {
  readonly rules: AlertRulesRepository;
  readonly audit: AuditRecorder;
  /** Resolves once the alert engine evaluates with the changed rules: the answer means "in force". */
  readonly applied: () => Promise<void>;
}

// Rules are validated on the way in by ruleDefinitionSchema; on the way out they are plain JSON.
const ruleSchema = z.looseObject({ id: z.number().int(), version: z.number().int(), enabled: z.boolean() });
const idParams = z.object({ id: z.coerce.number().int().positive() });
const notFound = (id: number) => ({ error: "not_found", message: `no rule ${id}` });

export const ruleRoutes: FastifyPluginAsyncZod<RuleRoutesOptions> = async (
  app,
  { rules, audit, applied },
) => {
  const record = async (
    request: { ip: string },
    action: string,
    id: number,
    before: unknown,
    after: unknown,
  ) => {
    await auditAction(audit, request, { action, target: `rule:${id}`, before, after });
    await applied();
  };

  app.get(
    "/api/v1/rules",
    {
      config: { access: "viewer" },
      schema: {
        tags: ["alerts"],
        summary: "Alert rules",
        response: { 200: z.object({ rules: z.array(ruleSchema) }) },
      },
    },
    async () => ({ rules: await rules.list() }),
  );

  app.get(
    "/api/v1/rules/:id",
    {
      config: { access: "viewer" },
      schema: {
        tags: ["alerts"],
        summary: "One rule with its version history",
        params: idParams,
        response: {
          200: ruleSchema.extend({
            versions: z.array(
              z.object({
                version: z.number(),
                definition: z.unknown(),
                createdAt: z.string(),
                actor: z.string().nullable(),
              }),
            ),
          }),
          404: errorResponseSchema,
        },
      },
    },
    async (request, reply) => {
      const rule = await rules.get(request.params.id);
      if (!rule) return reply.code(404).send(notFound(request.params.id));
      const versions = (await rules.versions(rule.id)).map((v) => ({
        ...v,
        createdAt: isoTime(v.createdAt),
      }));
      return { ...rule, versions };
    },
  );

  app.post(
    "/api/v1/rules",
    {
      config: { access: "operator" },
      schema: {
        tags: ["alerts"],
        summary: "Create a rule (version 1)",
        body: ruleDefinitionSchema,
        response: { 201: ruleSchema },
      },
    },
    async (request, reply) => {
      const rule = await rules.create(request.body, actorOf(request));
      await record(request, "rule.create", rule.id, null, rule);
      return reply.code(201).send(rule);
    },
  );

  app.put(
    "/api/v1/rules/:id",
    {
      config: { access: "operator" },
      schema: {
        tags: ["alerts"],
        summary: "Replace a rule's definition (a new version)",
        params: idParams,
        body: ruleDefinitionSchema,
        response: { 200: ruleSchema, 404: errorResponseSchema },
      },
    },
    async (request, reply) => {
      const before = await rules.get(request.params.id);
      const rule = before && (await rules.update(before.id, request.body, actorOf(request)));
      if (!rule) return reply.code(404).send(notFound(request.params.id));
      await record(request, "rule.update", rule.id, before, rule);
      return rule;
    },
  );

  for (const [action, enabled] of [
    ["enable", true],
    ["disable", false],
  ] as const) {
    app.post(
      `/api/v1/rules/:id/${action}`,
      {
        config: { access: "operator" },
        schema: {
          tags: ["alerts"],
          summary: `${action === "enable" ? "Enable" : "Disable"} a rule`,
          params: idParams,
          response: { 200: ruleSchema, 404: errorResponseSchema },
        },
      },
      async (request, reply) => {
        const before = await rules.get(request.params.id);
        const rule: AlertRule | undefined = before && (await rules.setEnabled(before.id, enabled));
        if (!rule) return reply.code(404).send(notFound(request.params.id));
        await record(request, `rule.${action}`, rule.id, { enabled: before?.enabled }, { enabled });
        return rule;
      },
    );
  }

  app.delete(
    "/api/v1/rules/:id",
    {
      config: { access: "admin" },
      schema: {
        tags: ["alerts"],
        summary: "Delete a rule (its alerts and versions stay on record)",
        params: idParams,
        response: { 204: z.null(), 404: errorResponseSchema },
      },
    },
    async (request, reply) => {
      const rule = await rules.remove(request.params.id);
      if (!rule) return reply.code(404).send(notFound(request.params.id));
      await record(request, "rule.delete", rule.id, rule, null);
      return reply.code(204).send(null);
    },
  );
};
