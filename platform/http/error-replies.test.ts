import { Writable } from "node:stream";
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from "fastify-type-provider-zod";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { errorResponseSchema } from "../../kernel/api-contract.js";
import { ServiceError } from "../../kernel/errors.js";
import { errorAnswer, frameworkErrorReply, registerErrorReplies, sendError } from "./error-replies.js";

const SECRET = "password=hunter2 at /var/lib/envmon/metadata.db";

describe("error replies (Fastify inject)", () => {
  let app: FastifyInstance;
  const logged: Array<{ level: number; msg: string; err?: { message?: string } }> = [];

  beforeAll(async () => {
    const lines = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split("\n")) if (line) logged.push(JSON.parse(line));
        done();
      },
    });
    const server = Fastify({
      loggerInstance: pino({ level: "error" }, lines) as FastifyBaseLogger,
      frameworkErrors: frameworkErrorReply,
      bodyLimit: 1024,
    }).withTypeProvider<ZodTypeProvider>();
    server.setValidatorCompiler(validatorCompiler);
    server.setSerializerCompiler(serializerCompiler);
    registerErrorReplies(server);

    server.get("/boom", async () => {
      throw new Error(SECRET);
    });
    server.get("/boom-string", async () => {
      throw SECRET;
    });
    server.get("/unavailable", async () => {
      throw Object.assign(new Error(SECRET), { statusCode: 503 });
    });
    server.get("/internal", async () => {
      throw new ServiceError("internal_error", SECRET);
    });
    server.get(
      "/devices/:id",
      {
        schema: {
          params: z.object({ id: z.string().regex(/^[a-z0-9-]+$/, "id must be lowercase") }),
          response: { 200: z.object({ id: z.string() }), 404: errorResponseSchema },
        },
      },
      async (request) => {
        if (request.params.id !== "tn-air-001")
          throw new ServiceError("not_found", `no device '${request.params.id}'`);
        return { id: request.params.id };
      },
    );
    server.get("/locked", async () => {
      throw new ServiceError("too_many_attempts", "too many failed logins: try again in 15 min", {
        headers: { "retry-after": "900" },
      });
    });
    server.get("/rule", async () => {
      throw new ServiceError("invalid_rule", "rule refused: name is required", {
        details: { problems: ["name is required"] },
      });
    });
    server.get("/replied", async (_request, reply) =>
      sendError(reply, new ServiceError("conflict", "taken")),
    );
    server.get(
      "/guarded",
      {
        onRequest: async () => {
          throw new ServiceError("unauthorized", "log in first", {
            headers: { "www-authenticate": "Bearer" },
          });
        },
      },
      async () => "never",
    );
    server.get("/plugin-refusal", async () => {
      // How Fastify and its plugins say the client is at fault: an error with a 4xx statusCode.
      throw Object.assign(new Error("Authorization header is missing"), { statusCode: 401 });
    });
    server.post(
      "/calculate",
      { schema: { body: z.object({ pm25: z.array(z.number()) }) } },
      async (request) => ({ n: request.body.pm25.length }),
    );
    await server.ready();
    app = server;
  });

  afterAll(async () => {
    await app?.close();
  });

  const get = (url: string) => app.inject({ method: "GET", url });
  const post = (payload: string, contentType = "application/json") =>
    app.inject({ method: "POST", url: "/calculate", payload, headers: { "content-type": contentType } });

  it("answers an unknown thrown error 500 internal_error, and tells the log, not the client, what it was", async () => {
    for (const url of ["/boom", "/boom-string", "/internal"]) {
      logged.length = 0;
      const response = await get(url);
      expect(response.statusCode, url).toBe(500);
      expect(response.json(), url).toEqual({ error: "internal_error", message: "internal error" });
      expect(response.body, url).not.toContain("hunter2");
      expect(
        logged.map((line) => line.msg),
        url,
      ).toEqual(["request failed"]);
      expect(JSON.stringify(logged), url).toContain("hunter2");
    }
    const unavailable = await get("/unavailable");
    expect(unavailable.statusCode).toBe(503);
    expect(unavailable.json()).toEqual({ error: "internal_error", message: "internal error" });
  });

  it("answers a ServiceError thrown from a route with its catalogue status, code and message", async () => {
    const missing = await get("/devices/tn-air-404");
    expect(missing.statusCode).toBe(404);
    expect(missing.headers["content-type"]).toMatch(/^application\/json/);
    expect(missing.json()).toEqual({ error: "not_found", message: "no device 'tn-air-404'" });
    expect((await get("/devices/tn-air-001")).json()).toEqual({ id: "tn-air-001" });

    const locked = await get("/locked");
    expect(locked.statusCode).toBe(429);
    expect(locked.headers["retry-after"]).toBe("900");
    expect(locked.json()).toEqual({
      error: "too_many_attempts",
      message: "too many failed logins: try again in 15 min",
    });

    const rule = await get("/rule");
    expect(rule.statusCode).toBe(400);
    expect(rule.json()).toEqual({
      error: "invalid_rule",
      message: "rule refused: name is required",
      problems: ["name is required"],
    });
  });

  it("answers the same from a hook and through sendError", async () => {
    const guarded = await get("/guarded");
    expect(guarded.statusCode).toBe(401);
    expect(guarded.headers["www-authenticate"]).toBe("Bearer");
    expect(guarded.json()).toEqual({ error: "unauthorized", message: "log in first" });

    const replied = await get("/replied");
    expect(replied.statusCode).toBe(409);
    expect(replied.json()).toEqual({ error: "conflict", message: "taken" });
  });

  it("keeps the validation answer: 400 bad_request naming the parameter", async () => {
    const response = await get("/devices/TN_AIR");
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ error: "bad_request", message: "params id: id must be lowercase" });
    const body = await post('{"pm25": "many"}');
    expect(body.statusCode).toBe(400);
    expect(body.json()).toEqual({ error: "bad_request", message: expect.stringMatching(/^body pm25: /) });
  });

  it("answers Fastify's own refusals with their status, in the API's shape", async () => {
    const broken = await post("{pm25: [1");
    expect(broken.statusCode).toBe(400);
    expect(broken.json().error).toBe("bad_request");
    const huge = await post(JSON.stringify({ pm25: Array(1000).fill(10) }));
    expect(huge.statusCode).toBe(413);
    expect(huge.json().error).toBe("bad_request");
    const xml = await post("<pm25>1</pm25>", "application/xml");
    expect(xml.statusCode).toBe(415);
    expect(xml.json().error).toBe("bad_request");
    const plugin = await get("/plugin-refusal");
    expect(plugin.statusCode).toBe(401);
    expect(plugin.json()).toEqual({ error: "unauthorized", message: "Authorization header is missing" });
  });

  it("answers unknown routes 404 not_found, and URLs Fastify cannot route 400 bad_request", async () => {
    const nowhere = await get("/nowhere?x=1");
    expect(nowhere.statusCode).toBe(404);
    expect(nowhere.json()).toEqual({ error: "not_found", message: "no route GET /nowhere" });
    const broken = await get("/devices/%E0%A4%A");
    expect(broken.statusCode).toBe(400);
    expect(broken.json()).toMatchObject({ error: "bad_request" });
  });

  it("maps any value thrown, not only errors", () => {
    expect(errorAnswer(undefined)).toMatchObject({ status: 500, body: { error: "internal_error" } });
    expect(errorAnswer(null)).toMatchObject({ status: 500, body: { error: "internal_error" } });
    expect(errorAnswer({ statusCode: 404 })).toMatchObject({ status: 404, body: { error: "not_found" } });
    expect(errorAnswer({ statusCode: 200 })).toMatchObject({
      status: 500,
      body: { error: "internal_error" },
    });
    expect(errorAnswer({ statusCode: 1000 })).toMatchObject({
      status: 500,
      body: { error: "internal_error" },
    });
  });
});
