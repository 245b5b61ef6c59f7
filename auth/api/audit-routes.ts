import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { errorResponseSchema } from "../../kernel/api-contract.js";
import { ServiceError } from "../../kernel/errors.js";
import { instantSchema, isoTime } from "../../platform/http/query-schemas.js";
import { auditResponseSchema } from "../model/auth-schemas.js";
import type { AuditLog } from "../store/audit-log.js";

/** The audit log for admins: who did what, when, from where, with before and after. */
export const auditRoutes: FastifyPluginAsyncZod<{ readonly audit: AuditLog }> = async (app, { audit }) => {
  app.get(
    "/audit",
    {
      config: { access: "admin" },
      schema: {
        tags: ["users"],
        summary: "Audit log, newest first, optionally by actor, action (e.g. user.create) and time",
        querystring: z.object({
          actor: z.string().min(1).max(64).optional(),
          action: z.string().min(1).max(64).optional(),
          from: instantSchema.optional(),
          to: instantSchema.optional(),
          limit: z.coerce.number().int().min(1).max(5000).default(200),
        }),
        response: { 200: auditResponseSchema, 400: errorResponseSchema },
      },
    },
    async (request) => {
      const { from, to } = request.query;
      if (from !== undefined && to !== undefined && from >= to) {
        throw new ServiceError("bad_request", "from must be before to");
      }
      const entries = await audit.query(request.query);
      return { entries: entries.map((entry) => ({ ...entry, at: isoTime(entry.at) })) };
    },
  );
};
