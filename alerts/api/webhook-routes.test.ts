import Fastify, { type FastifyInstance } from "fastify";
import { serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import type { Kysely } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AuditLog, createAuditLog } from "../../auth/store/audit-log.js";
import type { Clock } from "../../kernel/clock.js";
import type { AuthenticatedUser, RouteAccess } from "../../platform/http/access.js";
import { API_V1_PREFIX } from "../../platform/http/access.js";
import { createOutboundGuard, type ResolveHost } from "../../platform/http/outbound-guard.js";
import { parseAllowedTargets } from "../../platform/http/outbound-policy.js";
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

/** The names the tests use, as DNS would answer them. */
const DNS: Readonly<Record<string, readonly string[]>> = {
  "zalo.example": ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"],
  "example.com": ["93.184.215.14"],
  "hooks.rebind.example": ["127.0.0.1"],
  "split.example": ["93.184.215.14", "192.168.1.20"],
  "metadata.example": ["169.254.169.254"],
};
const resolve: ResolveHost = async (name) => {
  const addresses = DNS[name];
  if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: "ENOTFOUND" });
  return addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
};
/** WEBHOOK_ALLOWED_HOSTS=10.0.0.5: the centre's SMS gateway on its own network. */
const allowed = parseAllowedTargets("10.0.0.5");

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
      targets: createOutboundGuard({ allowed: allowed.ok ? allowed.targets : [] }, { resolve }),
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
    // A private address: accepted because WEBHOOK_ALLOWED_HOSTS lists it (see `allowed`).
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

  it("refuses a URL this machine or an internal network would receive, naming the field", async () => {
    const before = await webhooks.list();
    for (const [url, reason] of [
      // The service's own API, however its address is spelt.
      ["http://127.0.0.1:8080/api/v1/webhooks", "127.0.0.1 is a loopback address"],
      ["http://localhost:8080/api/v1/webhooks", "localhost is a loopback name"],
      ["http://0x7f000001:8080/", "127.0.0.1 is a loopback address"],
      ["http://2130706433:8080/", "127.0.0.1 is a loopback address"],
      ["http://017700000001:8080/", "127.0.0.1 is a loopback address"],
      ["http://127.1:8080/", "127.0.0.1 is a loopback address"],
      ["http://[::1]:8080/", "::1 is a loopback address"],
      ["http://[::ffff:127.0.0.1]:8080/", "loopback address (IPv4 127.0.0.1 inside IPv6)"],
      ["http://0.0.0.0:8080/", "0.0.0.0 is an unspecified"],
      ["http://[::]:8080/", ":: is the unspecified address"],
      // Internal networks and cloud metadata.
      ["http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"],
      ["http://10.0.0.6:8080/sms", "10.0.0.6 is a private address"],
      ["http://172.16.5.4/", "172.16.5.4 is a private address"],
      ["http://192.168.1.1/", "192.168.1.1 is a private address"],
      ["http://100.64.0.9/", "100.64.0.9 is a shared (CGNAT) address"],
      ["http://[fd00::5]/", "fd00::5 is a private (unique local) address"],
      ["http://[fe80::1]/", "fe80::1 is a link-local address"],
      ["http://224.0.0.251/", "224.0.0.251 is a multicast address"],
      ["http://255.255.255.255/", "255.255.255.255 is the broadcast address"],
      ["http://240.0.0.1/", "240.0.0.1 is a reserved address"],
      // Names, judged by every address they resolve to.
      [
        "https://hooks.rebind.example/",
        "127.0.0.1 is a loopback address, which webhooks may not reach (hooks.rebind.example resolves to it)",
      ],
      ["https://split.example/", "192.168.1.20 is a private address"],
      ["https://metadata.example/", "169.254.169.254 is a link-local address"],
      ["https://nowhere.example/", "nowhere.example does not resolve (ENOTFOUND)"],
    ] as const) {
      const refused = await app.inject({
        method: "POST",
        url: "/api/v1/webhooks",
        payload: { name: "x", url, audience: "operators" },
      });
      expect(refused.statusCode, url).toBe(400);
      expect(refused.json(), url).toEqual({
        error: "bad_request",
        message: expect.stringMatching(/^body url: /),
      });
      expect(refused.json().message, url).toContain(reason);
    }
    expect(await webhooks.list()).toEqual(before);
    expect(await audit.query({ action: "webhook.create" })).toHaveLength(2);
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
