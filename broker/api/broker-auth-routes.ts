/**
 * The broker's device checks as HTTP endpoints, for a deployment whose MQTT broker is not the
 * embedded one: EMQX 5 (HTTP authentication and authorization) and Mosquitto with
 * mosquitto-go-auth (HTTP backend). The decisions are the embedded broker's own
 * (broker/broker-access.ts). See broker/README.md for the brokers' configuration.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { errorResponseSchema } from "../../kernel/api-contract.js";
import { ServiceError } from "../../kernel/errors.js";
import { sendError } from "../../platform/http/error-replies.js";
import type { Authorization, BrokerAccess } from "../broker-access.js";
import type { TopicAction } from "../topic-acl.js";

export interface BrokerAuthRoutesOptions {
  readonly access: BrokerAccess;
  /** BROKER_HTTP_AUTH_TOKEN; without one the routes are not served at all. */
  readonly token: string | undefined;
}

const BODY_LIMIT_BYTES = 16 * 1024;
const FORM = "application/x-www-form-urlencoded";

const clientId = z.string().max(256).meta({ description: "MQTT client id" });
const username = z.string().max(256).default("").meta({ description: "MQTT username (= client id)" });
const password = z.string().max(1024).default("");
const topic = z.string().min(1, "topic must not be empty").max(65_535);

const emqxResult = z.enum(["allow", "deny"]);
/**
 * mosquitto-go-auth's answer: 200 allow, 403 deny with the reason. Its own protocol, not the
 * API's error shape (kernel/errors.ts): a deny is the decision asked for, not a refused request.
 */
const goAuthAnswer = z.object({ ok: z.boolean(), error: z.string() });

/** mosquitto-go-auth's `acc`: 1 read (be delivered a message), 2 write (publish), 3 both, 4 subscribe. */
const ACC_ACTIONS: Record<number, readonly TopicAction[]> = {
  1: ["receive"],
  2: ["publish"],
  3: ["receive", "publish"],
  4: ["subscribe"],
};

const digest = (text: string) => createHash("sha256").update(text).digest();

export const brokerAuthRoutes: FastifyPluginAsyncZod<BrokerAuthRoutesOptions> = async (app, options) => {
  const { access, token } = options;
  if (token === undefined) return;
  const tokenDigest = digest(token);

  // mosquitto-go-auth posts forms when auth_opt_http_params_mode is "form"; kept to this plugin.
  if (!app.hasContentTypeParser(FORM)) {
    app.addContentTypeParser(
      FORM,
      { parseAs: "string", bodyLimit: BODY_LIMIT_BYTES },
      (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
    );
  }

  /**
   * `Authorization: Bearer <token>`, checked here so that the routes are safe on their own (and
   * refused here, through sendError, in the API's shape on any server). The go-auth routes also
   * take `?token=` because mosquitto-go-auth cannot send headers.
   */
  const presented = (request: FastifyRequest, queryAllowed: boolean): string | undefined => {
    const header = request.headers.authorization;
    if (header?.startsWith("Bearer ")) return header.slice("Bearer ".length).trim();
    const query = request.query as { token?: unknown } | undefined;
    return queryAllowed && typeof query?.token === "string" ? query.token : undefined;
  };
  const requireToken = (queryAllowed: boolean) => async (request: FastifyRequest, reply: FastifyReply) => {
    const given = presented(request, queryAllowed);
    if (given === undefined || !timingSafeEqual(digest(given), tokenDigest)) {
      return sendError(
        reply,
        new ServiceError("unauthorized", "a valid broker token (Authorization: Bearer …) is required"),
      );
    }
  };

  const decide = async (
    clientid: string,
    name: string,
    topicName: string,
    actions: readonly TopicAction[],
  ) => {
    if (actions.length === 0) return { allowed: false, reason: "topic_not_allowed" } as const;
    const identification = access.identify(clientid, name);
    if (!identification.ok) return { allowed: false, reason: identification.reason } as const;
    for (const action of actions) {
      const decision: Authorization = await access.authorize(identification.identity, action, topicName);
      if (!decision.allowed) return decision;
    }
    return { allowed: true } as const;
  };

  const common = {
    config: { access: "broker" as const },
    bodyLimit: BODY_LIMIT_BYTES,
  };

  app.post(
    "/broker/emqx/authn",
    {
      ...common,
      onRequest: requireToken(false),
      schema: {
        tags: ["broker"],
        summary: "EMQX 5 HTTP authentication: may this client connect?",
        body: z.object({ clientid: clientId, username, password }),
        response: {
          200: z.object({ result: emqxResult, is_superuser: z.literal(false) }),
          401: errorResponseSchema,
        },
      },
    },
    async (request) => {
      const { clientid, username: name, password: secret } = request.body;
      const result = await access.authenticate({ clientId: clientid, username: name, password: secret });
      if (!result.ok) request.log.debug({ clientId: clientid, reason: result.reason }, "denied");
      return { result: result.ok ? "allow" : "deny", is_superuser: false } as const;
    },
  );

  app.post(
    "/broker/emqx/authz",
    {
      ...common,
      onRequest: requireToken(false),
      schema: {
        tags: ["broker"],
        summary: "EMQX 5 HTTP authorization: may this client publish or subscribe to the topic?",
        body: z.object({
          clientid: clientId,
          username,
          topic,
          action: z.enum(["publish", "subscribe"], { error: "action must be publish or subscribe" }),
        }),
        response: { 200: z.object({ result: emqxResult }), 401: errorResponseSchema },
      },
    },
    async (request) => {
      const { clientid, username: name, topic: topicName, action } = request.body;
      const decision = await decide(clientid, name, topicName, [action]);
      if (!decision.allowed) {
        request.log.debug(
          { clientId: clientid, topic: topicName, action, reason: decision.reason },
          "denied",
        );
      }
      return { result: decision.allowed ? "allow" : "deny" } as const;
    },
  );

  const goAuthQuery = z.object({ token: z.string().max(1024).optional() });

  app.post(
    "/broker/go-auth/user",
    {
      ...common,
      onRequest: requireToken(true),
      schema: {
        tags: ["broker"],
        summary: "mosquitto-go-auth HTTP backend: user check (200 allow, 403 deny)",
        querystring: goAuthQuery,
        body: z.object({ username, password, clientid: clientId }),
        response: { 200: goAuthAnswer, 403: goAuthAnswer, 401: errorResponseSchema },
      },
    },
    async (request, reply) => {
      const { clientid, username: name, password: secret } = request.body;
      const result = await access.authenticate({ clientId: clientid, username: name, password: secret });
      if (result.ok) return { ok: true, error: "" };
      request.log.debug({ clientId: clientid, reason: result.reason }, "denied");
      return reply.code(403).send({ ok: false, error: result.reason });
    },
  );

  app.post(
    "/broker/go-auth/superuser",
    {
      ...common,
      onRequest: requireToken(true),
      schema: {
        tags: ["broker"],
        summary: "mosquitto-go-auth HTTP backend: superuser check — always 403, nobody bypasses the ACL",
        querystring: goAuthQuery,
        body: z.object({ username }),
        response: { 403: goAuthAnswer, 401: errorResponseSchema },
      },
    },
    async (_request, reply) => reply.code(403).send({ ok: false, error: "there are no superusers" }),
  );

  app.post(
    "/broker/go-auth/acl",
    {
      ...common,
      onRequest: requireToken(true),
      schema: {
        tags: ["broker"],
        summary: "mosquitto-go-auth HTTP backend: ACL check (acc 1 read, 2 write, 3 both, 4 subscribe)",
        querystring: goAuthQuery,
        body: z.object({
          username,
          clientid: clientId,
          topic,
          acc: z.coerce
            .number({ error: "acc must be 1 (read), 2 (write), 3 (read and write) or 4 (subscribe)" })
            .int()
            .refine(
              (acc) => acc in ACC_ACTIONS,
              "acc must be 1 (read), 2 (write), 3 (read and write) or 4 (subscribe)",
            ),
        }),
        response: { 200: goAuthAnswer, 403: goAuthAnswer, 401: errorResponseSchema },
      },
    },
    async (request, reply) => {
      const { clientid, username: name, topic: topicName, acc } = request.body;
      const decision = await decide(clientid, name, topicName, ACC_ACTIONS[acc] ?? []);
      if (decision.allowed) return { ok: true, error: "" };
      request.log.debug({ clientId: clientid, topic: topicName, acc, reason: decision.reason }, "denied");
      return reply.code(403).send({ ok: false, error: decision.reason });
    },
  );
};
