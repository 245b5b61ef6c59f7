import { randomBytes } from "node:crypto";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Clock } from "../../kernel/clock.js";
import { ServiceError } from "../../kernel/errors.js";
import { communeCodeSchema } from "../model/warning.js";
import type { MailRepository } from "../store/mail-repository.js";

/**
 * Residents' e-mail subscriptions, outside /api/v1 (which is read-only for the public): subscribe
 * with an address and communes, confirm by the link mailed to it (double opt-in), leave in one
 * click by the link in every mail. Every answer to a subscription is the same whatever the address
 * (nobody learns who subscribed), and nothing about a subscriber is ever listed.
 */

export interface SubscriptionRoutesOptions {
  readonly mail: MailRepository;
  /** Whether an SMTP relay is configured (SMTP_URL): without one, subscriptions are refused. */
  readonly enabled: boolean;
  readonly communeCodes: () => Promise<ReadonlySet<string>>;
  readonly clock: Clock;
  readonly publicBaseUrl?: string;
}

const MAX_COMMUNES = 20;

const subscribeBody = z
  .object({
    email: z
      .email({ error: "email: địa chỉ e-mail không hợp lệ / not a valid e-mail address" })
      .max(254)
      .transform((e) => e.toLowerCase()),
    communes: z
      .array(communeCodeSchema)
      .min(1, "communes: chọn ít nhất một xã/phường / choose at least one commune")
      .max(MAX_COMMUNES, `communes: tối đa ${MAX_COMMUNES} / at most ${MAX_COMMUNES}`),
  })
  .strict();

const tokenQuery = z
  .object({
    token: z.string().regex(/^[A-Za-z0-9_-]{43}$/, "token: liên kết không hợp lệ / not a valid link"),
  })
  .strict();

const page = (title: string, text: string) =>
  `<!doctype html><html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${title}</title></head><body style="font-family:sans-serif;max-width:40em;margin:2em auto;padding:0 1em"><h1>${title}</h1><p>${text}</p><p><a href="/public.html">Trang cư dân / Residents' page</a></p></body></html>`;

export const subscriptionRoutes: FastifyPluginAsyncZod<SubscriptionRoutesOptions> = async (app, options) => {
  const { mail, clock } = options;
  // Mail clients' one-click unsubscribe posts a form (RFC 8058); its body says nothing we need.
  app.addContentTypeParser(
    "application/x-www-form-urlencoded",
    { parseAs: "string" },
    (_request, _body, done) => done(null, undefined),
  );

  app.post(
    "/mail/subscriptions",
    {
      config: { access: "public" },
      schema: {
        tags: ["public"],
        summary:
          "Subscribe an e-mail address to the warnings of some communes (a confirmation link is mailed)",
        body: subscribeBody,
        response: { 202: z.object({ message: z.string() }) },
      },
    },
    async (request, reply) => {
      if (!options.enabled)
        throw new ServiceError("not_found", "e-mail không được cấu hình / e-mail is not configured");
      const known = await options.communeCodes();
      const unknown = request.body.communes.filter((c) => !known.has(c));
      if (unknown.length > 0) {
        throw new ServiceError(
          "bad_request",
          `communes: không có trong danh sách: ${unknown.join(", ")} / unknown communes`,
        );
      }
      const base = (options.publicBaseUrl ?? `${request.protocol}://${request.host}`).replace(/\/+$/, "");
      const now = clock.now();
      const subscriber = await mail.subscribe(
        request.body.email,
        request.body.communes,
        randomBytes(32).toString("base64url"),
        base,
        now,
      );
      const leave = `${subscriber.baseUrl}/mail/unsubscribe?token=${subscriber.token}`;
      const body = subscriber.confirmed
        ? `Địa chỉ này đã nhận cảnh báo thiên tai, môi trường cho: ${subscriber.communes.join(", ")}.\nĐể đổi xã/phường, hãy hủy đăng ký rồi đăng ký lại.\n\nThis address already receives warnings.\n\nHủy đăng ký / Unsubscribe: ${leave}\n`
        : `Xác nhận nhận cảnh báo thiên tai, môi trường cho: ${subscriber.communes.join(", ")}\n${subscriber.baseUrl}/mail/confirm?token=${subscriber.token}\n\nConfirm to receive warnings. If you did not ask for this, ignore this mail.\n\nHủy đăng ký / Unsubscribe: ${leave}\n`;
      await mail.enqueue(
        {
          eventId: null,
          subscriberId: subscriber.id,
          recipient: subscriber.email,
          subject: subscriber.confirmed
            ? "Bạn đã đăng ký nhận cảnh báo / Already subscribed"
            : "Xác nhận đăng ký nhận cảnh báo / Confirm your subscription",
          body,
        },
        now,
      );
      return reply.code(202).send({
        message: "Hãy mở thư xác nhận trong hộp thư của bạn / Check your inbox for the confirmation link",
      });
    },
  );

  app.get(
    "/mail/confirm",
    {
      config: { access: "public" },
      schema: {
        tags: ["public"],
        summary: "Confirm a subscription (the link in the confirmation mail)",
        querystring: tokenQuery,
      },
    },
    async (request, reply) => {
      const subscriber = await mail.confirm(request.query.token, clock.now());
      if (!subscriber)
        throw new ServiceError("not_found", "liên kết không còn hiệu lực / this link is no longer valid");
      return reply
        .type("text/html; charset=utf-8")
        .send(
          page(
            "Đã xác nhận / Confirmed",
            "Bạn sẽ nhận cảnh báo qua e-mail. You will receive warnings by e-mail.",
          ),
        );
    },
  );

  const unsubscribe = async (token: string) => {
    // The same answer for a link already used: leaving is idempotent.
    await mail.unsubscribe(token);
    return page(
      "Đã hủy đăng ký / Unsubscribed",
      "Bạn sẽ không nhận thêm e-mail cảnh báo. You will get no more warning e-mails.",
    );
  };

  app.get(
    "/mail/unsubscribe",
    {
      config: { access: "public" },
      schema: {
        tags: ["public"],
        summary: "Leave in one click (the link in every mail)",
        querystring: tokenQuery,
      },
    },
    async (request, reply) =>
      reply.type("text/html; charset=utf-8").send(await unsubscribe(request.query.token)),
  );

  app.post(
    "/mail/unsubscribe",
    {
      config: { access: "public" },
      schema: {
        tags: ["public"],
        summary: "One-click unsubscribe for mail clients (RFC 8058)",
        querystring: tokenQuery,
      },
    },
    async (request, reply) =>
      reply.type("text/html; charset=utf-8").send(await unsubscribe(request.query.token)),
  );
};
