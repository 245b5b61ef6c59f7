import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { errorResponseSchema } from "../../kernel/api-contract.js";
import { ServiceError } from "../../kernel/errors.js";
import { type AuditRecorder, auditAction } from "../../platform/http/access.js";
import { agencyBodySchema, agencyRoleSchema } from "../model/agency.js";
import { agencyView, agencyViewSchema } from "../model/warning-view.js";
import type { AgencyRepository } from "../store/agency-repository.js";

export interface AgencyRoutesOptions {
  readonly agencies: AgencyRepository;
  readonly audit: AuditRecorder;
  /** The service's communes and wards (the device registry's areas). */
  readonly communeCodes: () => Promise<ReadonlySet<string>>;
  /** Whether an operator account exists (auth). */
  readonly accountExists: (username: string) => Promise<boolean>;
}

const idParams = z.object({
  id: z.coerce
    .number()
    .int()
    .positive({ error: "id là số nguyên dương / id must be a positive whole number" }),
});
const memberParams = idParams.extend({ username: z.string().min(1).max(64) });

/** Agencies of the warning network and their members: admins only. */
export const agencyRoutes: FastifyPluginAsyncZod<AgencyRoutesOptions> = async (app, options) => {
  const { agencies, audit } = options;

  const noAgency = (id: number) =>
    new ServiceError("not_found", `không tìm thấy cơ quan ${id} / no agency ${id}`);

  async function checkCommunes(communes: readonly string[]) {
    const known = await options.communeCodes();
    const unknown = communes.filter((c) => !known.has(c));
    if (unknown.length > 0) {
      throw new ServiceError(
        "bad_request",
        `communes: không có trong danh sách xã/phường: ${unknown.join(", ")} / not in the commune list`,
      );
    }
  }

  app.get(
    "/agencies",
    {
      config: { access: "admin" },
      schema: {
        tags: ["warnings"],
        summary: "Agencies with their hazards, communes, second-person setting and members",
        response: { 200: z.object({ agencies: z.array(agencyViewSchema) }) },
      },
    },
    async () => ({ agencies: (await agencies.list()).map(agencyView) }),
  );

  app.post(
    "/agencies",
    {
      config: { access: "admin" },
      schema: {
        tags: ["warnings"],
        summary: "Create an agency (second-person approval on unless secondApproval is false)",
        body: agencyBodySchema,
        response: { 201: agencyViewSchema, 400: errorResponseSchema, 409: errorResponseSchema },
      },
    },
    async (request, reply) => {
      await checkCommunes(request.body.communes);
      const created = await agencies.create(request.body);
      if (!created) throw new ServiceError("conflict", `mã cơ quan ${request.body.code} đã có / code taken`);
      await auditAction(audit, request, {
        action: "agency.create",
        target: `agency:${created.id}`,
        before: null,
        after: created,
      });
      return reply.code(201).send(agencyView(created));
    },
  );

  app.put(
    "/agencies/:id",
    {
      config: { access: "admin" },
      schema: {
        tags: ["warnings"],
        summary: "Change an agency's name, hazards, communes or second-person setting",
        params: idParams,
        body: agencyBodySchema,
        response: {
          200: agencyViewSchema,
          400: errorResponseSchema,
          404: errorResponseSchema,
          409: errorResponseSchema,
        },
      },
    },
    async (request) => {
      const before = await agencies.get(request.params.id);
      if (!before) throw noAgency(request.params.id);
      await checkCommunes(request.body.communes);
      const after = await agencies.update(request.params.id, request.body);
      if (after === undefined) throw noAgency(request.params.id);
      if (after === false)
        throw new ServiceError("conflict", `mã cơ quan ${request.body.code} đã có / code taken`);
      await auditAction(audit, request, {
        action: "agency.update",
        target: `agency:${after.id}`,
        before,
        after,
      });
      return agencyView(after);
    },
  );

  app.put(
    "/agencies/:id/members/:username",
    {
      config: { access: "admin" },
      schema: {
        tags: ["warnings"],
        summary: "Make an account an issuer or approver of the agency",
        params: memberParams,
        body: z.object({ role: agencyRoleSchema }).strict(),
        response: { 200: agencyViewSchema, 400: errorResponseSchema, 404: errorResponseSchema },
      },
    },
    async (request) => {
      const { id, username } = request.params;
      const before = await agencies.get(id);
      if (!before) throw noAgency(id);
      if (!(await options.accountExists(username))) {
        throw new ServiceError("not_found", `không có tài khoản ${username} / no account ${username}`);
      }
      const after = await agencies.setMember(id, username, request.body.role);
      if (!after) throw noAgency(id);
      await auditAction(audit, request, {
        action: "agency.set-member",
        target: `agency:${id}`,
        before: before.members,
        after: after.members,
      });
      return agencyView(after);
    },
  );

  app.delete(
    "/agencies/:id/members/:username",
    {
      config: { access: "admin" },
      schema: {
        tags: ["warnings"],
        summary: "Remove an account from the agency",
        params: memberParams,
        response: { 200: agencyViewSchema, 404: errorResponseSchema },
      },
    },
    async (request) => {
      const { id, username } = request.params;
      const before = await agencies.get(id);
      if (!before) throw noAgency(id);
      const after = await agencies.removeMember(id, username);
      if (!after) throw noAgency(id);
      await auditAction(audit, request, {
        action: "agency.remove-member",
        target: `agency:${id}`,
        before: before.members,
        after: after.members,
      });
      return agencyView(after);
    },
  );
};
