import Fastify, { type FastifyInstance } from "fastify";
import { serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import type { Kysely } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AuditLog, createAuditLog } from "../../auth/store/audit-log.js";
import type { Clock } from "../../kernel/clock.js";
import type { AuthenticatedUser, RouteAccess } from "../../platform/http/access.js";
import { API_V1_PREFIX } from "../../platform/http/access.js";
import type { MetadataDatabase } from "../../service/metadata.js";
import { alertServiceFor } from "../../test/support/alert-service.js";
import { openTestAlert } from "../../test/support/open-test-alert.js";
import { openSqliteFixture, type SqliteFixture } from "../../test/support/sqlite-fixture.js";
import { createAlertRulesRepository } from "../store/alert-rules-repository.js";
import { webhookMigrations } from "../store/webhook-migrations.js";
import { createWebhookRepository, type WebhookRepository } from "../store/webhook-repository.js";
import type { WebhookTables } from "../store/webhook-schema.js";
import { webhookRoutes } from "./webhook-routes.js";

const now = Date.UTC(2026, 10, 21, 8, 0, 0);
const clock: Clock = { now: () => now };
const admin: AuthenticatedUser = { username: "admin.tn", role: "admin" };

describe("webhook routes", () => {
  let fixture: SqliteFixture;
  let app: FastifyInstance;
  let webhooks: WebhookRepository;
  let audit: AuditLog;
  const access = new Map<string, RouteAccess | undefined>();

  beforeAll(async () => {
    fixture = await openSqliteFixture(clock, "envmon-webhook-routes-");
    await webhookMigrations["2026-11-22-008-webhooks"]?.up(fixture.metadata as Kysely<unknown>);
    // The metadata schema lists the webhook tables once migration 008 is merged into it.
    const db = fixture.metadata as unknown as Kysely<MetadataDatabase & WebhookTables>;
    webhooks = createWebhookRepository(db, clock);
    audit = createAuditLog(fixture.metadata, clock);
    app = Fastify();
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    app.addHook("onRoute", (route) => {
      for (const method of [route.method].flat()) access.set(`${method} ${route.url}`, route.config?.access);
    });
    // What the access-control plugin does for an authenticated admin.
    app.addHook("onRequest", async (request) => {
      (request as unknown as { user: AuthenticatedUser }).user = admin;
    });
    await app.register(webhookRoutes, {
      prefix: API_V1_PREFIX,
      webhooks,
      audit,
      newSecret: () => "generated-secret-0123456789abcdef0123456789",
    });
    await app.ready();
  });

  afterAll(async () => {
    await app?.close();
    await fixture?.close();
  });

  it("declares who may call each route: admins manage webhooks, viewers read an alert's deliveries", () => {
    expect(Object.fromEntries(access)).toEqual({
      "GET /api/v1/webhooks": "admin",
      "HEAD /api/v1/webhooks": "admin",
      "POST /api/v1/webhooks": "admin",
      "DELETE /api/v1/webhooks/:id": "admin",
      "GET /api/v1/webhooks/:id/deliveries": "admin",
      "HEAD /api/v1/webhooks/:id/deliveries": "admin",
      "GET /api/v1/alerts/:id/deliveries": "viewer",
      "HEAD /api/v1/alerts/:id/deliveries": "viewer",
    });
  });

  it("shows the secret once, on creation, and records who created the webhook", async () => {
    const created = await app.inject({
      method: "POST",
      url: "/api/v1/webhooks",
      payload: { name: "Zalo OA Tây Ninh", url: "https://zalo.example/hook", audience: "public" },
    });
    expect(created.statusCode, created.body).toBe(201);
    const body = created.json();
    expect(body).toMatchObject({
      name: "Zalo OA Tây Ninh",
      url: "https://zalo.example/hook",
      audience: "public",
      enabled: true,
      createdAt: "2026-11-21T08:00:00.000Z",
      secret: "generated-secret-0123456789abcdef0123456789",
    });

    const listed = await app.inject({ method: "GET", url: "/api/v1/webhooks" });
    expect(listed.json().webhooks).toEqual([
      {
        id: body.id,
        name: "Zalo OA Tây Ninh",
        url: "https://zalo.example/hook",
        audience: "public",
        enabled: true,
        createdAt: "2026-11-21T08:00:00.000Z",
      },
    ]);
    expect(listed.body).not.toContain("generated-secret");

    const [entry] = await audit.query({ action: "webhook.create" });
    expect(entry).toMatchObject({ actor: "admin.tn", target: `webhook:${body.id}`, before: null });
    expect(JSON.stringify(entry?.after)).not.toContain("secret");
  });

  it("accepts a secret the receiver fixed, and refuses bad input with a reason", async () => {
    const fixed = await app.inject({
      method: "POST",
      url: "/api/v1/webhooks",
      payload: {
        name: "SMS gateway",
        url: "http://10.0.0.5:8080/sms",
        audience: "operators",
        secret: "k".repeat(40),
        enabled: false,
      },
    });
    expect(fixed.statusCode).toBe(201);
    expect(fixed.json()).toMatchObject({ secret: "k".repeat(40), enabled: false });

    for (const [payload, reason] of [
      [{ name: "x", url: "ftp://example.com/", audience: "public" }, "http(s) URL"],
      [{ name: "x", url: "https://example.com/", audience: "everyone" }, "audience must be one of"],
      [{ name: "x", url: "https://example.com/", audience: "public", secret: "short" }, "at least 32"],
      [{ name: " ", url: "https://example.com/", audience: "public" }, "name must not be empty"],
      [{ name: "x", url: "https://example.com/", audience: "public", extra: 1 }, "extra"],
    ] as const) {
      const refused = await app.inject({ method: "POST", url: "/api/v1/webhooks", payload });
      expect(refused.statusCode, JSON.stringify(payload)).toBe(400);
      expect(refused.body).toContain(reason);
    }
  });

  it("shows deliveries per webhook and per alert, then deletes a webhook with its history", async () => {
    const opened = await openTestAlert(
      {
        rules: createAlertRulesRepository(fixture.metadata, clock),
        alerts: alertServiceFor(fixture.metadata, clock),
      },
      now,
    );
    const [zalo] = await webhooks.list();
    if (!zalo) throw new Error("no webhook");
    expect(await webhooks.enqueue(opened.id)).toBe(1); // the disabled SMS gateway gets nothing

    const pending = await app.inject({ method: "GET", url: `/api/v1/webhooks/${zalo.id}/deliveries` });
    expect(pending.json()).toEqual({
      webhookId: zalo.id,
      deliveries: [
        {
          id: expect.any(Number),
          webhookId: zalo.id,
          transitionId: opened.id,
          status: "pending",
          attempts: 0,
          nextAttemptAt: "2026-11-21T08:00:00.000Z",
          lastError: null,
          deliveredAt: null,
        },
      ],
    });
    const [delivery] = await webhooks.deliveries(zalo.id, { limit: 1 });
    await webhooks.markDelivered(delivery?.id ?? 0, 3, now + 5_000);

    const perAlert = await app.inject({ method: "GET", url: `/api/v1/alerts/${opened.alertId}/deliveries` });
    expect(perAlert.statusCode).toBe(200);
    expect(perAlert.json().deliveries).toEqual([
      expect.objectContaining({
        webhookName: "Zalo OA Tây Ninh",
        transition: "opened",
        status: "delivered",
        attempts: 3,
        nextAttemptAt: null,
        deliveredAt: "2026-11-21T08:00:05.000Z",
      }),
    ]);
    const filtered = await app.inject({
      method: "GET",
      url: `/api/v1/webhooks/${zalo.id}/deliveries?status=dead`,
    });
    expect(filtered.json().deliveries).toEqual([]);

    const removed = await app.inject({ method: "DELETE", url: `/api/v1/webhooks/${zalo.id}` });
    expect(removed.statusCode).toBe(204);
    expect((await app.inject({ method: "DELETE", url: `/api/v1/webhooks/${zalo.id}` })).statusCode).toBe(404);
    expect(
      (await app.inject({ method: "GET", url: `/api/v1/webhooks/${zalo.id}/deliveries` })).statusCode,
    ).toBe(404);
    const afterDelete = await app.inject({
      method: "GET",
      url: `/api/v1/alerts/${opened.alertId}/deliveries`,
    });
    expect(afterDelete.json().deliveries).toEqual([]);
    const [entry] = await audit.query({ action: "webhook.delete" });
    expect(entry).toMatchObject({ actor: "admin.tn", target: `webhook:${zalo.id}`, after: null });

    expect((await app.inject({ method: "GET", url: "/api/v1/alerts/999999/deliveries" })).statusCode).toBe(
      404,
    );
  });
});
