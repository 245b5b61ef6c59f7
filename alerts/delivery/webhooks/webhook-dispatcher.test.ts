import { createHmac } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Kysely } from "kysely";
import { pino } from "pino";
import { afterEach, expect, it } from "vitest";
import { alertEventSchema } from "../../../kernel/api-contract.js";
import { type Clock, systemClock } from "../../../kernel/clock.js";
import { parseConfig } from "../../../platform/config.js";
import { createOutboundGuard, type ResolveHost } from "../../../platform/http/outbound-guard.js";
import type { MetadataDatabase } from "../../../service/metadata.js";
import { alertServiceFor } from "../../../test/support/alert-service.js";
import {
  describeEachMetadataBackend,
  type ReopenableDatabase,
} from "../../../test/support/metadata-backends.js";
import { openTestAlert } from "../../../test/support/open-test-alert.js";
import { waitUntil } from "../../../test/support/wait-until.js";
import type { AlertService } from "../../alert-service.js";
import type { AlertEvent } from "../../model/alert-event.js";
import type { Audience } from "../../model/rule.js";
import { createAlertRulesRepository } from "../../store/alert-rules-repository.js";
import { webhookMigrations } from "../../store/webhook-migrations.js";
import { createWebhookRepository, type WebhookRepository } from "../../store/webhook-repository.js";
import type { WebhookTables } from "../../store/webhook-schema.js";
import { EVENT_ID_HEADER, SIGNATURE_HEADER } from "./signature.js";
import {
  createWebhookDispatcher,
  type WebhookDispatcher,
  type WebhookDispatcherDeps,
  type WebhookDispatcherOptions,
} from "./webhook-dispatcher.js";

const silent = pino({ level: "silent" });
/**
 * The receivers listen on 127.0.0.1, which webhooks may not reach unless allow-listed: the tests
 * allow it the way an admin would, with the WEBHOOK_ALLOWED_HOSTS setting.
 */
const ALLOW_TEST_RECEIVERS = "127.0.0.1";
/** Fast retries so that eight attempts take milliseconds; no jitter (random = 0). */
const FAST: WebhookDispatcherOptions = {
  retry: { baseDelayMs: 4, maxDelayMs: 40 },
  timeoutMs: 5_000,
  rateLimit: { capacity: 1000, refillPerMinute: 60_000 },
};

interface ReceivedRequest {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly signatureValid: boolean;
  readonly status: number;
}

/** A real HTTP receiver on a free port that checks signatures and answers what `answer` says. */
async function startReceiver(secretOf: () => string, answer: (index: number) => number) {
  const requests: ReceivedRequest[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const raw = Buffer.concat(chunks);
      // Computed here as a receiver would, not with the service's own helper.
      const expected = `sha256=${createHmac("sha256", secretOf()).update(raw).digest("hex")}`;
      const signatureValid = request.headers[SIGNATURE_HEADER] === expected;
      // A receiver refuses what it cannot authenticate.
      const status = signatureValid ? answer(requests.length) : 401;
      requests.push({ headers: request.headers, body: raw.toString("utf8"), signatureValid, status });
      response.writeHead(status, { "content-type": "text/plain" }).end(status < 300 ? "ok" : "not now");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The outbound side of a dispatcher: WEBHOOK_ALLOWED_HOSTS as an admin would set it, and DNS. */
interface Outbound {
  readonly allowedHosts?: string;
  readonly resolve?: ResolveHost;
}

interface Harness {
  readonly db: Kysely<MetadataDatabase & WebhookTables>;
  readonly alerts: AlertService;
  readonly webhooks: WebhookRepository;
  dispatcher(
    options?: WebhookDispatcherOptions,
    outbound?: Outbound,
    fence?: WebhookDispatcherDeps["fence"],
  ): WebhookDispatcher;
  /** Opens an alert of a fresh rule (one transition); returns the stored event. */
  raise(audience?: Audience): Promise<AlertEvent>;
  close(): Promise<void>;
}

async function openHarness(database: ReopenableDatabase, clock: Clock = systemClock): Promise<Harness> {
  const metadata = await database.open();
  // Idempotent ("if not exists"): the tables are there once the migration is merged, too.
  await webhookMigrations["2026-11-22-008-webhooks"]?.up(metadata as Kysely<unknown>);
  // The metadata schema lists the webhook tables once migration 008 is merged into it.
  const db = metadata as unknown as Kysely<MetadataDatabase & WebhookTables>;
  const rules = createAlertRulesRepository(db, clock);
  const alerts = alertServiceFor(db, clock);
  const webhooks = createWebhookRepository(db, clock);
  const dispatchers: WebhookDispatcher[] = [];
  return {
    db,
    alerts,
    webhooks,
    dispatcher(options = FAST, outbound = {}, fence = undefined) {
      const { WEBHOOK_ALLOWED_HOSTS } = parseConfig({
        WEBHOOK_ALLOWED_HOSTS: outbound.allowedHosts ?? ALLOW_TEST_RECEIVERS,
      });
      const guard = createOutboundGuard(
        { allowed: WEBHOOK_ALLOWED_HOSTS },
        outbound.resolve ? { resolve: outbound.resolve } : {},
      );
      const dispatcher = createWebhookDispatcher(options, {
        webhooks,
        transitions: alerts,
        outbound: guard,
        clock,
        logger: silent,
        random: () => 0,
        ...(fence ? { fence } : {}),
      });
      dispatchers.push(dispatcher);
      return dispatcher;
    },
    raise: (audience = "public") => openTestAlert({ rules, alerts }, clock.now(), { audience }),
    async close() {
      for (const dispatcher of dispatchers.splice(0)) await dispatcher.stop();
      await db.destroy();
    },
  };
}

const deliveryOf = async (webhooks: WebhookRepository, webhookId: number) =>
  (await webhooks.deliveries(webhookId, { limit: 10 }))[0];

describeEachMetadataBackend("webhook dispatcher", (backend) => {
  const cleanups: (() => Promise<void>)[] = [];

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** A fresh database; a restart opens the same one again. */
  async function database(): Promise<ReopenableDatabase> {
    const created = await backend.createDatabase();
    cleanups.push(() => created.close());
    return created;
  }

  async function harness(clock?: Clock, on?: ReopenableDatabase): Promise<Harness> {
    const opened = await openHarness(on ?? (await database()), clock);
    cleanups.push(() => opened.close());
    return opened;
  }

  async function receiver(secretOf: () => string, answer: (index: number) => number) {
    const started = await startReceiver(secretOf, answer);
    cleanups.push(started.close);
    return started;
  }

  /** A real HTTP server on 127.0.0.1 answering with `handle`; `hits` counts the requests it got. */
  async function plainServer(handle: (response: ServerResponse) => void) {
    const state = { hits: 0 };
    const server = createServer((request, response) => {
      state.hits += 1;
      request.resume();
      request.on("end", () => handle(response));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    );
    const { port } = server.address() as AddressInfo;
    return { port, url: `http://127.0.0.1:${port}/hook`, state };
  }

  const deadDelivery = (webhooks: WebhookRepository, webhookId: number) =>
    waitUntil("the delivery to be dead", async () => {
      const delivery = await deliveryOf(webhooks, webhookId);
      return delivery?.status === "dead" ? delivery : undefined;
    });

  it("retries a signed delivery that fails twice, then delivers it exactly once", async () => {
    const h = await harness();
    let secret = "";
    const hook = await receiver(
      () => secret,
      (index) => (index < 2 ? 500 : 200),
    );
    const webhook = await h.webhooks.create({
      name: "Zalo OA",
      url: hook.url,
      audience: "public",
      secret: "s3cret-for-the-receiver-0123456789abcdef",
      enabled: true,
    });
    secret = webhook.secret;
    const dispatcher = h.dispatcher();
    await dispatcher.start();

    const event = await h.raise("public");
    const delivered = await waitUntil("the delivery to be marked delivered", async () => {
      const delivery = await deliveryOf(h.webhooks, webhook.id);
      return delivery?.status === "delivered" ? delivery : undefined;
    });
    await dispatcher.stop();

    expect(delivered.attempts).toBe(3);
    expect(delivered.transitionId).toBe(event.id);
    expect(delivered.deliveredAt).not.toBeNull();
    expect(delivered.lastError).toBeNull();
    expect(hook.requests.map((r) => r.status)).toEqual([500, 500, 200]);
    expect(hook.requests.every((r) => r.signatureValid)).toBe(true);
    // Every retry carries the same event id, so the receiver can drop repeats.
    expect(hook.requests.map((r) => r.headers[EVENT_ID_HEADER])).toEqual(Array(3).fill(String(event.id)));
    expect(hook.requests.map((r) => r.headers["x-delivery-attempt"])).toEqual(["1", "2", "3"]);
    const payload = alertEventSchema.parse(JSON.parse(hook.requests[2]?.body ?? ""));
    expect(payload).toMatchObject({
      id: event.id,
      alertId: event.alertId,
      transition: "opened",
      value: 142.5,
    });
    expect(hook.requests[2]?.headers["content-type"]).toContain("application/json");
  });

  it("in a cluster, sends nothing under a stale lease token: another node has held the lease since", async () => {
    const h = await harness();
    let secret = "";
    const hook = await receiver(
      () => secret,
      () => 200,
    );
    const webhook = await h.webhooks.create({
      name: "SMS gateway",
      url: hook.url,
      audience: "public",
      secret: "fenced-secret-0123456789abcdef0123456",
      enabled: true,
    });
    secret = webhook.secret;
    // The node that took the lease over raised the fence to 2; this one woke up holding token 1.
    await h.db.insertInto("cluster_fences").values({ name: "alerts", token: 2 }).execute();
    const woken = h.dispatcher(FAST, {}, { lease: "alerts", token: () => 1 });
    await woken.start();
    await h.raise("public");
    await woken.settle();
    await woken.stop();
    expect(hook.requests).toHaveLength(0);
    expect((await deliveryOf(h.webhooks, webhook.id))?.status).toBe("pending");

    const holder = h.dispatcher(FAST, {}, { lease: "alerts", token: () => 2 });
    await holder.start();
    await waitUntil("the holder to deliver it", async () =>
      (await deliveryOf(h.webhooks, webhook.id))?.status === "delivered" ? true : undefined,
    );
    expect(hook.requests).toHaveLength(1);
  });

  it("gives up after eight failed attempts by default and marks the delivery dead", async () => {
    const h = await harness();
    let secret = "";
    const hook = await receiver(
      () => secret,
      () => 503,
    );
    const webhook = await h.webhooks.create({
      name: "SMS gateway",
      url: hook.url,
      audience: "operators",
      secret: "another-secret-of-sufficient-length-42",
      enabled: true,
    });
    secret = webhook.secret;
    const dispatcher = h.dispatcher();
    await dispatcher.start();
    await h.raise("operators");

    const dead = await waitUntil("the delivery to be dead", async () => {
      const delivery = await deliveryOf(h.webhooks, webhook.id);
      return delivery?.status === "dead" ? delivery : undefined;
    });
    await dispatcher.stop();
    expect(dead.attempts).toBe(8);
    expect(dead.lastError).toBe("HTTP 503: not now");
    expect(hook.requests).toHaveLength(8);
  });

  it("records an unreachable receiver as a failed attempt", async () => {
    const h = await harness();
    const hook = await startReceiver(
      () => "",
      () => 200,
    );
    const url = hook.url;
    await hook.close(); // nothing listens there any more
    const webhook = await h.webhooks.create({
      name: "gone",
      url,
      audience: "operators",
      secret: "x".repeat(32),
      enabled: true,
    });
    const dispatcher = h.dispatcher({ ...FAST, maxAttempts: 2 });
    await dispatcher.start();
    await h.raise("operators");
    const dead = await waitUntil("the delivery to be dead", async () => {
      const delivery = await deliveryOf(h.webhooks, webhook.id);
      return delivery?.status === "dead" ? delivery : undefined;
    });
    expect(dead.attempts).toBe(2);
    expect(dead.lastError).toBe("ECONNREFUSED");
  });

  it("resumes a failed delivery after a restart, and queues what was stored while it was down", async () => {
    let secret = "";
    const hook = await receiver(
      () => secret,
      (index) => (index === 0 ? 500 : 200),
    );
    const shared = await database();
    const first = await openHarness(shared);
    const webhook = await first.webhooks.create({
      name: "Zalo OA",
      url: hook.url,
      audience: "public",
      secret: "restart-secret-0123456789abcdef0123",
      enabled: true,
    });
    secret = webhook.secret;
    // Retries far in the future: the first run only gets to fail once.
    const immediateRetry: WebhookDispatcherOptions = { ...FAST, retry: { baseDelayMs: 0, maxDelayMs: 0 } };
    const dispatcher = first.dispatcher({
      ...FAST,
      retry: { baseDelayMs: 3_600_000, maxDelayMs: 3_600_000 },
    });
    await dispatcher.start();
    const retried = await first.raise("public");
    await waitUntil("the first attempt to fail", async () => {
      const delivery = await deliveryOf(first.webhooks, webhook.id);
      return delivery?.status === "failed" ? delivery : undefined;
    });
    await dispatcher.stop();
    // Stored while no dispatcher runs: a crash between storing a transition and queueing it.
    const missed = await first.raise("public");
    await first.close();

    // The retry time is in the future; bring it forward as if an hour had passed while down.
    const second = await harness(undefined, shared);
    await second.db.updateTable("webhook_deliveries").set({ next_attempt_at: 0 }).execute();
    await second.dispatcher(immediateRetry).start();
    const deliveries = await waitUntil("both deliveries to be delivered", async () => {
      const all = await second.webhooks.deliveries(webhook.id, { limit: 10 });
      return all.length === 2 && all.every((d) => d.status === "delivered") ? all : undefined;
    });
    const byTransition = new Map(deliveries.map((d) => [d.transitionId, d]));
    expect(byTransition.get(retried.id)?.attempts).toBe(2);
    expect(byTransition.get(missed.id)?.attempts).toBe(1);
    const [failedFirst, ...afterRestart] = hook.requests;
    expect(failedFirst?.status).toBe(500);
    expect(failedFirst?.headers[EVENT_ID_HEADER]).toBe(String(retried.id));
    expect(afterRestart.map((r) => Number(r.headers[EVENT_ID_HEADER])).sort((x, y) => x - y)).toEqual([
      retried.id,
      missed.id,
    ]);
    expect(hook.requests.filter((r) => r.status === 200)).toHaveLength(2);
  });

  it("sends each public webhook only what residents are told, without operator names", async () => {
    const h = await harness();
    let secret = "";
    const publicHook = await receiver(
      () => secret,
      () => 200,
    );
    const operatorsHook = await receiver(
      () => secret,
      () => 204,
    );
    secret = "shared-secret-for-both-receivers-0123";
    const residents = await h.webhooks.create({
      name: "residents",
      url: publicHook.url,
      audience: "public",
      secret,
      enabled: true,
    });
    const operators = await h.webhooks.create({
      name: "duty officers",
      url: operatorsHook.url,
      audience: "operators",
      secret,
      enabled: true,
    });
    const dispatcher = h.dispatcher();
    await dispatcher.start();

    const publicAlert = await h.raise("public");
    const internalAlert = await h.raise("operators");
    const ack = await h.alerts.acknowledge(publicAlert.alertId, "nguyen.van.a", "đã kiểm tra");
    const resolved = await h.alerts.resolve(publicAlert.alertId, "nguyen.van.a", "hết ô nhiễm");
    expect(ack.ok && resolved.ok).toBe(true);

    const operatorIds = [
      publicAlert.id,
      internalAlert.id,
      ack.ok ? ack.transition.id : 0,
      resolved.ok ? resolved.transition.id : 0,
    ];
    await waitUntil("operators to get all four transitions", async () => {
      const all = await h.webhooks.deliveries(operators.id, { limit: 10 });
      return all.length === 4 && all.every((d) => d.status === "delivered");
    });
    await waitUntil("residents to get the opening and the resolution", async () => {
      const all = await h.webhooks.deliveries(residents.id, { limit: 10 });
      return all.length === 2 && all.every((d) => d.status === "delivered");
    });
    await dispatcher.stop();

    const received = (hook: typeof publicHook) =>
      hook.requests.map((r) => alertEventSchema.parse(JSON.parse(r.body)));
    expect(
      received(operatorsHook)
        .map((e) => e.id)
        .sort(),
    ).toEqual([...operatorIds].sort());
    const residentEvents = received(publicHook);
    expect(residentEvents.map((e) => e.transition).sort()).toEqual(["opened", "resolved"]);
    expect(residentEvents.every((e) => e.actor === null && e.comment === null)).toBe(true);
    expect(received(operatorsHook).find((e) => e.transition === "resolved")?.actor).toBe("nguyen.van.a");

    // Operators see per alert where each transition went.
    const perAlert = await h.webhooks.deliveriesForAlert(publicAlert.alertId);
    expect(perAlert?.map((d) => `${d.transition}→${d.webhookName}:${d.status}`)).toEqual([
      "opened→residents:delivered",
      "opened→duty officers:delivered",
      "acknowledged→duty officers:delivered",
      "resolved→residents:delivered",
      "resolved→duty officers:delivered",
    ]);
    expect(await h.webhooks.deliveriesForAlert(999_999)).toBeUndefined();
  });

  it("limits the rate per webhook: a burst waits for tokens instead of flooding, and nothing is lost", async () => {
    let now = Date.UTC(2026, 10, 21, 8, 0, 0);
    const clock: Clock = { now: () => now };
    const h = await harness(clock);
    let secret = "";
    const hook = await receiver(
      () => secret,
      () => 200,
    );
    const webhook = await h.webhooks.create({
      name: "SMS gateway",
      url: hook.url,
      audience: "public",
      secret: "rate-limit-secret-0123456789abcdef012",
      enabled: true,
    });
    secret = webhook.secret;
    // Two at once, then one a minute; the test clock stands still until the test moves it.
    const dispatcher = h.dispatcher({ ...FAST, rateLimit: { capacity: 2, refillPerMinute: 1 } });
    await dispatcher.start();
    for (let i = 0; i < 5; i += 1) await h.raise("public");

    const countBy = async () => {
      const all = await h.webhooks.deliveries(webhook.id, { limit: 10 });
      return {
        delivered: all.filter((d) => d.status === "delivered").length,
        waiting: all.filter((d) => d.status === "pending").length,
      };
    };
    await dispatcher.settle();
    expect(await countBy()).toEqual({ delivered: 2, waiting: 3 });
    expect(hook.requests).toHaveLength(2);

    now += 60_000; // one token
    await dispatcher.settle();
    expect(await countBy()).toEqual({ delivered: 3, waiting: 2 });

    now += 10 * 60_000; // tokens for the rest (the bucket holds at most two)
    await dispatcher.settle();
    expect(await countBy()).toEqual({ delivered: 5, waiting: 0 });
    await dispatcher.stop();
    expect(hook.requests).toHaveLength(5);
    expect(new Set(hook.requests.map((r) => r.headers[EVENT_ID_HEADER])).size).toBe(5);
  });

  it("refuses at send time a receiver this machine may not reach, even one registered before the check", async () => {
    const h = await harness();
    const hook = await plainServer((response) => response.writeHead(200).end("ok"));
    // Stored directly, as a webhook registered before the address policy existed would be.
    const webhook = await h.webhooks.create({
      name: "own API",
      url: hook.url,
      audience: "operators",
      secret: "x".repeat(32),
      enabled: true,
    });
    // No allow-list: the default.
    await h.dispatcher({ ...FAST, maxAttempts: 2 }, { allowedHosts: "" }).start();
    await h.raise("operators");
    const dead = await deadDelivery(h.webhooks, webhook.id);
    expect(dead.attempts).toBe(2);
    expect(dead.lastError).toBe("refused: 127.0.0.1 is a loopback address, which webhooks may not reach");
    expect(hook.state.hits).toBe(0);
  });

  it("judges the address on each delivery: a name rebound to this machine after registration is refused", async () => {
    const h = await harness();
    const hook = await plainServer((response) => response.writeHead(200).end("ok"));
    // Public when the admin registered it; this machine when the dispatcher sends.
    let answer = "93.184.215.14";
    const asked: string[] = [];
    const resolve: ResolveHost = async (name) => {
      asked.push(name);
      return [{ address: answer, family: 4 }];
    };
    const guard = createOutboundGuard({}, { resolve });
    const url = `http://hooks.example:${hook.port}/hook`;
    expect(await guard.checkUrl(url)).toEqual({ ok: true });
    const webhook = await h.webhooks.create({
      name: "rebinding",
      url,
      audience: "operators",
      secret: "x".repeat(32),
      enabled: true,
    });
    answer = "127.0.0.1";
    await h.dispatcher({ ...FAST, maxAttempts: 2 }, { allowedHosts: "", resolve }).start();
    await h.raise("operators");
    const dead = await deadDelivery(h.webhooks, webhook.id);
    expect(dead.lastError).toBe(
      "refused: 127.0.0.1 is a loopback address, which webhooks may not reach (hooks.example resolves to it)",
    );
    expect(hook.state.hits).toBe(0);
    expect(asked).toEqual(["hooks.example", "hooks.example", "hooks.example"]); // check, then each attempt
  });

  it("delivers to an internal receiver the allow-list names, connecting to the address it resolved", async () => {
    const h = await harness();
    let secret = "";
    const hook = await receiver(
      () => secret,
      () => 200,
    );
    const port = new URL(hook.url).port;
    const webhook = await h.webhooks.create({
      name: "SMS gateway",
      url: `http://sms-gateway.internal:${port}/hook`,
      audience: "operators",
      secret: "allow-listed-secret-0123456789abcdef",
      enabled: true,
    });
    secret = webhook.secret;
    // sms-gateway.internal exists in no DNS: only the resolver's answer takes the request there.
    const resolve: ResolveHost = async () => [{ address: "127.0.0.1", family: 4 }];
    await h.dispatcher(FAST, { allowedHosts: "sms-gateway.internal", resolve }).start();
    await h.raise("operators");
    await waitUntil("the delivery to be delivered", async () => {
      const delivery = await deliveryOf(h.webhooks, webhook.id);
      return delivery?.status === "delivered" ? delivery : undefined;
    });
    expect(hook.requests).toHaveLength(1);
    expect(hook.requests[0]?.signatureValid).toBe(true);
    expect(hook.requests[0]?.headers.host).toBe(`sms-gateway.internal:${port}`);
  });

  it("keeps only a short, sanitised excerpt of a failed answer", async () => {
    const h = await harness();
    const body = `{"error":"boom",\r\n"users":[${'{"name":"admin","password_hash":"scrypt$..."},'.repeat(2000)}]}\u001b[2J`;
    const hook = await plainServer((response) =>
      response.writeHead(500, { "content-type": "application/json" }).end(body),
    );
    const webhook = await h.webhooks.create({
      name: "talkative",
      url: hook.url,
      audience: "operators",
      secret: "x".repeat(32),
      enabled: true,
    });
    await h.dispatcher({ ...FAST, maxAttempts: 1 }).start();
    await h.raise("operators");
    const dead = await deadDelivery(h.webhooks, webhook.id);
    const stored = dead.lastError ?? "";
    expect(stored.startsWith('HTTP 500: {"error":"boom", "users":[{"name":"admin"')).toBe(true);
    expect(stored.endsWith("…")).toBe(true);
    expect(Array.from(stored.slice("HTTP 500: ".length))).toHaveLength(200);
    expect(stored).not.toMatch(/\p{Cc}/u);
  });

  it("does not follow a redirect, and does not keep where it pointed", async () => {
    const h = await harness();
    const elsewhere = await plainServer((response) => response.writeHead(200).end("ok"));
    const redirecting = await plainServer((response) =>
      response.writeHead(302, { location: `${elsewhere.url}?internal=1` }).end("see other"),
    );
    const webhook = await h.webhooks.create({
      name: "moved",
      url: redirecting.url,
      audience: "operators",
      secret: "x".repeat(32),
      enabled: true,
    });
    await h.dispatcher({ ...FAST, maxAttempts: 1 }).start();
    await h.raise("operators");
    const dead = await deadDelivery(h.webhooks, webhook.id);
    expect(dead.lastError).toBe("HTTP 302: redirect not followed");
    expect(redirecting.state.hits).toBe(1);
    expect(elsewhere.state.hits).toBe(0);
  });
});
