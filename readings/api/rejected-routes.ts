import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { REJECTION_REASONS } from "../../kernel/rejections.js";
import { deviceIdSchema, isoTime } from "../../platform/http/query-schemas.js";
import type { DeadLetterRepository } from "../store/dead-letter-repository.js";

const deadLetterSchema = z.object({
  id: z.number(),
  receivedAt: z.string(),
  deviceId: z.string().nullable(),
  topic: z.string(),
  reason: z.string(),
  message: z.string(),
  entryIndex: z.number().optional(),
  metric: z.string().optional(),
  payload: z
    .string()
    .meta({ description: "the refused entry or raw payload; 'base64:' prefix when not UTF-8" }),
  truncated: z.boolean(),
});

export const rejectedRoutes: FastifyPluginAsyncZod<{ readonly deadLetters: DeadLetterRepository }> = async (
  app,
  { deadLetters },
) => {
  app.get(
    "/rejected",
    {
      config: { access: "viewer" },
      schema: {
        tags: ["operations"],
        summary: "Dead letters: input refused by validation, newest first",
        querystring: z.object({
          limit: z.coerce.number().int().min(1).max(1000).default(100),
          before: z.coerce
            .number()
            .int()
            .positive()
            .optional()
            .meta({ description: "id cursor of the next page" }),
          device: deviceIdSchema.optional(),
          reason: z.enum(REJECTION_REASONS).optional(),
        }),
        response: {
          200: z.object({ rejected: z.array(deadLetterSchema), nextBefore: z.number().nullable() }),
        },
      },
    },
    async (request) => {
      const { limit, before, device, reason } = request.query;
      const letters = await deadLetters.list({
        limit,
        ...(before === undefined ? {} : { beforeId: before }),
        ...(device === undefined ? {} : { deviceId: device }),
        ...(reason === undefined ? {} : { reason }),
      });
      const last = letters.at(-1);
      return {
        rejected: letters.map((l) => ({ ...l, receivedAt: isoTime(l.receivedAt) })),
        nextBefore: letters.length === limit && last ? last.id : null,
      };
    },
  );
};
