import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { errorResponseSchema } from "../../kernel/api-contract.js";
import type { Clock } from "../../kernel/clock.js";
import { ServiceError } from "../../kernel/errors.js";
import { type AuditRecorder, actorOf, auditAction } from "../../platform/http/access.js";
import { loudspeakerScript, smsTexts } from "../model/channel-texts.js";
import { HAZARD_INFO, HAZARD_TYPES } from "../model/hazard.js";
import { RISK_LEVEL_INFO, RISK_LEVELS } from "../model/risk-level.js";
import {
  communeCodeSchema,
  WARNING_STATES,
  warningContentBodySchema,
  warningDraftBodySchema,
} from "../model/warning.js";
import {
  publicWarningSchema,
  publicWarningView,
  warningEventView,
  warningEventViewSchema,
  warningView,
  warningViewSchema,
} from "../model/warning-view.js";
import type { AgencyRepository } from "../store/agency-repository.js";
import type { WarningResult, WarningService } from "../warning-service.js";

export interface WarningRoutesOptions {
  readonly warnings: WarningService;
  readonly agencies: AgencyRepository;
  readonly audit: AuditRecorder;
  readonly clock: Clock;
  /** Commune names by code (the device registry), for the SMS texts. */
  readonly communeNames: () => Promise<ReadonlyMap<string, string>>;
}

const idParams = z.object({
  id: z.coerce
    .number()
    .int()
    .positive({ error: "id là số nguyên dương / id must be a positive whole number" }),
});

const listQuery = z
  .object({
    state: z.enum(WARNING_STATES, { error: `state: ${WARNING_STATES.join(", ")}` }).optional(),
    agency: z.coerce.number({ error: "agency là số / agency must be a number" }).int().positive().optional(),
    commune: communeCodeSchema.optional(),
    limit: z.coerce
      .number({ error: "limit là số / limit must be a number" })
      .int()
      .min(1)
      .max(1000)
      .default(200),
  })
  .strict();

const fromAlertBody = z
  .object({
    alertId: z.number({ error: "alertId là số / alertId must be a number" }).int().positive(),
    agencyId: z.number({ error: "agencyId là số / agencyId must be a number" }).int().positive(),
  })
  .strict();

const createdResponse = z.object({
  id: z.number(),
  state: z.enum(WARNING_STATES),
  warning: warningViewSchema,
});

const catalogueResponse = z.object({
  levels: z.array(
    z.object({
      level: z.number(),
      name: z.object({ vi: z.string(), en: z.string() }),
      colour: z.object({ vi: z.string(), en: z.string() }),
      hex: z.string(),
      textHex: z.string(),
    }),
  ),
  hazards: z.array(
    z.object({ code: z.enum(HAZARD_TYPES), name: z.object({ vi: z.string(), en: z.string() }) }),
  ),
  agencies: z.array(
    z.object({
      id: z.number(),
      code: z.string(),
      name: z.object({ vi: z.string(), en: z.string().nullable() }),
      hazards: z.array(z.enum(HAZARD_TYPES)),
      communes: z.array(z.string()),
      secondApproval: z.boolean(),
      /** The caller's role in the agency, null when not a member. */
      myRole: z.enum(["issuer", "approver"]).nullable(),
    }),
  ),
});

/** Throws the refusal of a failed step; answers the stored warning. */
function settled(result: WarningResult) {
  if (!result.ok) throw new ServiceError(result.reason, result.message);
  return result;
}

/**
 * The warning network's routes for staff (/warnings…, any logged-in account: what each may do is
 * decided by their role in the warning's agency) and residents (/public/warnings).
 */
export const warningRoutes: FastifyPluginAsyncZod<WarningRoutesOptions> = async (app, options) => {
  const { warnings, agencies, audit, clock } = options;
  const agencyOf = (id: number) => agencies.get(id);

  const audited = async (request: { ip: string; user?: unknown }, action: string, result: WarningResult) => {
    const done = settled(result);
    await auditAction(audit, request, {
      action: `warning.${action}`,
      target: `warning:${done.warning.id}`,
      before: null,
      after: {
        state: done.warning.state,
        version: done.warning.version,
        eventId: done.event.id,
        level: done.warning.level,
      },
    });
    return {
      id: done.warning.id,
      state: done.warning.state,
      warning: warningView(done.warning, await agencyOf(done.warning.agencyId)),
    };
  };

  app.get(
    "/warnings/catalogue",
    {
      config: { access: "viewer" },
      schema: {
        tags: ["warnings"],
        summary:
          "Risk levels (Decision 18/2021/QĐ-TTg), hazard types and agencies, with the caller's role in each",
        response: { 200: catalogueResponse },
      },
    },
    async (request) => {
      const username = actorOf(request);
      return {
        levels: RISK_LEVELS.map((level) => {
          const info = RISK_LEVEL_INFO[level];
          return { level, name: info.name, colour: info.colour, hex: info.hex, textHex: info.textHex };
        }),
        hazards: HAZARD_TYPES.map((code) => ({ code, name: HAZARD_INFO[code].name })),
        agencies: (await agencies.list()).map(({ members, ...agency }) => ({
          ...agency,
          hazards: [...agency.hazards],
          communes: [...agency.communes],
          myRole: members.find((m) => m.username === username)?.role ?? null,
        })),
      };
    },
  );

  app.get(
    "/warnings",
    {
      config: { access: "viewer" },
      schema: {
        tags: ["warnings"],
        summary: "Warnings of every agency, newest first",
        querystring: listQuery,
        response: { 200: z.object({ warnings: z.array(warningViewSchema) }) },
      },
    },
    async (request) => {
      const { state, agency, commune, limit } = request.query;
      const list = await warnings.list({ state, agencyId: agency, commune, limit });
      const byId = new Map((await agencies.list()).map((a) => [a.id, a]));
      return { warnings: list.map((w) => warningView(w, byId.get(w.agencyId))) };
    },
  );

  app.get(
    "/warnings/:id",
    {
      config: { access: "viewer" },
      schema: {
        tags: ["warnings"],
        summary: "One warning with every event (drafted, edited, published, updated, cancelled, expired)",
        params: idParams,
        response: {
          200: warningViewSchema.extend({ events: z.array(warningEventViewSchema) }),
          404: errorResponseSchema,
        },
      },
    },
    async (request) => {
      const warning = await warnings.get(request.params.id);
      if (!warning)
        throw new ServiceError(
          "not_found",
          `không tìm thấy cảnh báo ${request.params.id} / no warning ${request.params.id}`,
        );
      const agency = await agencyOf(warning.agencyId);
      const events = await warnings.events(warning.id);
      return { ...warningView(warning, agency), events: events.map((e) => warningEventView(e, agency)) };
    },
  );

  app.get(
    "/warnings/:id/channel-texts",
    {
      config: { access: "viewer" },
      schema: {
        tags: ["warnings"],
        summary:
          "Texts of the warning's latest public step for the channels, one per commune: brand-name SMS (no diacritics, at most 160 characters a message, longer texts split and numbered) and the loudspeaker script",
        params: idParams,
        response: {
          200: z.object({
            warningId: z.number(),
            eventId: z.number(),
            kind: z.string(),
            texts: z.array(
              z.object({
                commune: z.string(),
                name: z.string(),
                sms: z.array(z.string()),
                loudspeaker: z.string(),
              }),
            ),
          }),
          404: errorResponseSchema,
          409: errorResponseSchema,
        },
      },
    },
    async (request) => {
      const id = request.params.id;
      const events = await warnings.events(id);
      if (events.length === 0)
        throw new ServiceError("not_found", `không tìm thấy cảnh báo ${id} / no warning ${id}`);
      const latest = events.filter((e) => ["published", "updated", "cancelled"].includes(e.kind)).at(-1);
      if (!latest) {
        throw new ServiceError(
          "conflict",
          `cảnh báo ${id} chưa được phát hành / warning ${id} is not published`,
        );
      }
      const names = await options.communeNames();
      return {
        warningId: id,
        eventId: latest.id,
        kind: latest.kind,
        texts: latest.warning.communes.map((commune) => {
          const name = names.get(commune) ?? commune;
          return {
            commune,
            name,
            sms: smsTexts(latest.kind, latest.warning, name),
            loudspeaker: loudspeakerScript(latest.kind, latest.warning, name),
          };
        }),
      };
    },
  );

  const refusals = {
    400: errorResponseSchema,
    403: errorResponseSchema,
    404: errorResponseSchema,
    409: errorResponseSchema,
  };

  app.post(
    "/warnings",
    {
      config: { access: "viewer" },
      schema: {
        tags: ["warnings"],
        summary: "Draft a warning for an agency (its issuer or approver)",
        body: warningDraftBodySchema,
        response: { 201: createdResponse, ...refusals },
      },
    },
    async (request, reply) => {
      const { agencyId, ...content } = request.body;
      const created = await audited(
        request,
        "draft",
        await warnings.draft(agencyId, content, actorOf(request)),
      );
      return reply.code(201).send(created);
    },
  );

  app.post(
    "/warnings/from-alert",
    {
      config: { access: "viewer" },
      schema: {
        tags: ["warnings"],
        summary: "Turn an active sensor alert into a prefilled draft of an agency (its issuer or approver)",
        body: fromAlertBody,
        response: { 201: createdResponse, ...refusals },
      },
    },
    async (request, reply) => {
      const { alertId, agencyId } = request.body;
      const result = await warnings.draftFromAlert(alertId, agencyId, actorOf(request));
      return reply.code(201).send(await audited(request, "draft-from-alert", result));
    },
  );

  app.put(
    "/warnings/:id",
    {
      config: { access: "viewer" },
      schema: {
        tags: ["warnings"],
        summary: "Rewrite a draft (a member of its agency)",
        params: idParams,
        body: warningContentBodySchema,
        response: { 200: createdResponse, ...refusals },
      },
    },
    async (request) =>
      audited(request, "edit", await warnings.edit(request.params.id, request.body, actorOf(request))),
  );

  app.post(
    "/warnings/:id/publish",
    {
      config: { access: "viewer" },
      schema: {
        tags: ["warnings"],
        summary:
          "Publish a draft (an approver of its agency; a second person unless the agency turned that off)",
        params: idParams,
        response: { 200: createdResponse, ...refusals },
      },
    },
    async (request) =>
      audited(request, "publish", await warnings.publish(request.params.id, actorOf(request))),
  );

  app.post(
    "/warnings/:id/update",
    {
      config: { access: "viewer" },
      schema: {
        tags: ["warnings"],
        summary:
          "Change a published warning: a CAP Update citing the earlier messages (an approver of its agency)",
        params: idParams,
        body: warningContentBodySchema,
        response: { 200: createdResponse, ...refusals },
      },
    },
    async (request) =>
      audited(request, "update", await warnings.update(request.params.id, request.body, actorOf(request))),
  );

  app.post(
    "/warnings/:id/cancel",
    {
      config: { access: "viewer" },
      schema: {
        tags: ["warnings"],
        summary: "Cancel a published warning (an approver; a CAP Cancel) or discard a draft (a member)",
        params: idParams,
        response: { 200: createdResponse, ...refusals },
      },
    },
    async (request) => audited(request, "cancel", await warnings.cancel(request.params.id, actorOf(request))),
  );

  app.get(
    "/public/warnings",
    {
      config: { access: "public" },
      schema: {
        tags: ["public"],
        summary: "Published warnings in force for a commune or ward (or all), with level, colour and name",
        querystring: z.object({ area: communeCodeSchema.optional() }).strict(),
        response: { 200: z.object({ warnings: z.array(publicWarningSchema) }) },
      },
    },
    async (request) => {
      const list = await warnings.list({ inForceAt: clock.now(), commune: request.query.area });
      const byId = new Map((await agencies.list()).map((a) => [a.id, a]));
      return { warnings: list.map((w) => publicWarningView(w, byId.get(w.agencyId))) };
    },
  );
};
