import type { FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import {
  alertRuleDetailSchema,
  alertRuleSchema,
  alertRulesResponseSchema,
  errorResponseSchema,
  invalidRuleResponseSchema,
} from "../../kernel/api-contract.js";
import { ServiceError } from "../../kernel/errors.js";
import { type AuditRecorder, actorOf, auditAction } from "../../platform/http/access.js";
import { isoTime } from "../../platform/http/query-schemas.js";
import { describeRuleProblems, type RuleDefinition, ruleDefinitionSchema } from "../model/rule.js";
import type { AlertRulesRepository } from "../store/alert-rules-repository.js";

export interface RuleRoutesOptions {
  readonly rules: AlertRulesRepository;
  readonly audit: AuditRecorder;
  /** Resolves once the alert engine evaluates with the changed rules: the answer means "in force". */
  readonly applied: () => Promise<void>;
}

const idParams = z.object({
  id: z.coerce.number().int().positive({ error: "id must be a positive whole number" }),
});
const notFound = (id: number) => new ServiceError("not_found", `no rule ${id}`);

/**
 * The body is checked by ruleDefinitionSchema (attachValidation), and a refused one is answered
 * with every problem by field (400 invalid_rule with `problems`), rather than by the generic
 * validation message. Throws unless the request is good.
 */
function refuseInvalid(request: FastifyRequest): void {
  const failure = request.validationError;
  if (!failure) return;
  if (failure.validationContext === "body") {
    const parsed = ruleDefinitionSchema.safeParse(request.body);
    const problems = parsed.success ? [failure.message] : describeRuleProblems(parsed.error);
    throw new ServiceError("invalid_rule", `rule refused: ${problems.join("; ")}`, { details: { problems } });
  }
  throw new ServiceError("bad_request", `${failure.validationContext}: ${failure.message}`);
}

export const ruleRoutes: FastifyPluginAsyncZod<RuleRoutesOptions> = async (
  app,
  { rules, audit, applied },
) => {
  /** Audits the change, then waits until the engine has it. */
  const changed = async (
    request: FastifyRequest,
    action: string,
    id: number,
    before: unknown,
    after: unknown,
  ) => {
    await auditAction(audit, request, { action, target: `rule:${id}`, before, after });
    await applied();
  };

  app.get(
    "/rules",
    {
      config: { access: "viewer" },
      schema: {
        tags: ["alerts"],
        summary: "Alert rules (enabled or not), by id",
        response: { 200: alertRulesResponseSchema },
      },
    },
    async () => ({ rules: await rules.list() }),
  );

  app.get(
    "/rules/:id",
    {
      config: { access: "viewer" },
      schema: {
        tags: ["alerts"],
        summary: "One rule with every version of its definition",
        params: idParams,
        response: { 200: alertRuleDetailSchema, 404: errorResponseSchema },
      },
    },
    async (request) => {
      const rule = await rules.getWithVersions(request.params.id);
      if (!rule) throw notFound(request.params.id);
      return { ...rule, versions: rule.versions.map((v) => ({ ...v, createdAt: isoTime(v.createdAt) })) };
    },
  );

  app.post(
    "/rules",
    {
      config: { access: "operator" },
      attachValidation: true,
      schema: {
        tags: ["alerts"],
        summary: "Create a rule (version 1, enabled)",
        body: ruleDefinitionSchema,
        response: { 201: alertRuleSchema, 400: invalidRuleResponseSchema },
      },
    },
    async (request, reply) => {
      refuseInvalid(request);
      const rule = await rules.create(request.body as RuleDefinition, actorOf(request));
      await changed(request, "rule.create", rule.id, null, rule);
      return reply.code(201).send(rule);
    },
  );

  app.put(
    "/rules/:id",
    {
      config: { access: "operator" },
      attachValidation: true,
      schema: {
        tags: ["alerts"],
        summary: "Replace a rule's definition (a new version; open alerts stay open)",
        params: idParams,
        body: ruleDefinitionSchema,
        response: { 200: alertRuleSchema, 400: invalidRuleResponseSchema, 404: errorResponseSchema },
      },
    },
    async (request) => {
      refuseInvalid(request);
      const id = request.params.id;
      const before = await rules.get(id);
      const rule = before && (await rules.update(id, request.body as RuleDefinition, actorOf(request)));
      if (!rule) throw notFound(id);
      await changed(request, "rule.update", id, before, rule);
      return rule;
    },
  );

  for (const [action, enabled] of [
    ["enable", true],
    ["disable", false],
  ] as const) {
    app.post(
      `/rules/:id/${action}`,
      {
        config: { access: "operator" },
        schema: {
          tags: ["alerts"],
          summary: enabled
            ? "Enable a rule"
            : "Disable a rule (its active alerts clear; it keeps its versions and can be enabled again)",
          params: idParams,
          response: { 200: alertRuleSchema, 404: errorResponseSchema },
        },
      },
      async (request) => {
        const id = request.params.id;
        const before = await rules.get(id);
        const rule = before && (await rules.setEnabled(id, enabled));
        if (!before || !rule) throw notFound(id);
        if (before.enabled !== enabled) {
          await changed(request, `rule.${action}`, id, { enabled: before.enabled }, { enabled });
        }
        return rule;
      },
    );
  }

  app.delete(
    "/rules/:id",
    {
      config: { access: "admin" },
      schema: {
        tags: ["alerts"],
        summary: "Delete a rule (its active alerts clear; its alerts and versions stay on record)",
        params: idParams,
        response: { 204: z.null(), 404: errorResponseSchema },
      },
    },
    async (request, reply) => {
      const rule = await rules.remove(request.params.id);
      if (!rule) throw notFound(request.params.id);
      await changed(request, "rule.delete", rule.id, rule, null);
      return reply.code(204).send(null);
    },
  );
};
