/**
 * Alert delivery over real Socket.IO: a server on a free port, real socket.io-client clients, the
 * alert store on a temporary SQLite database.
 */
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { pino } from "pino";
import { Server as SocketServer } from "socket.io";
import { io, type Socket } from "socket.io-client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createSocketAuthenticator } from "../../auth/socket-auth.js";
import { type AlertEventPayload, alertEventSchema } from "../../kernel/api-contract.js";
import type { Clock } from "../../kernel/clock.js";
import { alertServiceFor } from "../../test/support/alert-service.js";
import { minimalRule } from "../../test/support/rule-fixture.js";
import { openSqliteFixture, type SqliteFixture } from "../../test/support/sqlite-fixture.js";
import { waitUntil } from "../../test/support/wait-until.js";
import type { AlertService } from "../alert-service.js";
import type { AlertTransition } from "../model/alert-lifecycle.js";
import type { AlertSignal } from "../model/evaluator.js";
import type { Severity } from "../model/rule.js";
import { createAlertRulesRepository } from "../store/alert-rules-repository.js";
import { type AlertGateway, createAlertGateway } from "./alert-gateway.js";

const T0 = Date.UTC(2026, 10, 21, 1, 0, 0);
const TAN_NINH = "phuong-tan-ninh";
const LONG_AN = "phuong-long-an";
const ACK_TIMEOUT_MS = 10_000;

interface Watcher {
  readonly socket: Socket;
  readonly events: AlertEventPayload[];
  /** Resolves once the socket is connected (rejects with the connect_error). */
  readonly connected: Promise<void>;
}

describe("alert gateway (Socket.IO)", () => {
  let now = T0;
  const clock: Clock = { now: () => now };
  let fixture: SqliteFixture;
  let alerts: AlertService;
  let ruleId: number;
  let http: HttpServer;
  let socketServer: SocketServer;
  let gateway: AlertGateway;
  let baseUrl: string;
  let sources = 0;
  const sockets: Socket[] = [];

  async function startServer(
    options: {
      replayBatch?: number;
      authenticateOps?: boolean;
      /** Runs around each replay query: transitions stored while a replay is under way. */
      duringReplay?: () => Promise<void>;
    } = {},
  ) {
    http = createServer();
    socketServer = new SocketServer(http, { serveClient: false });
    if (options.authenticateOps) {
      socketServer.of("/ops").use(
        createSocketAuthenticator(
          (token) => {
            if (token !== "operator-token") throw new Error("bad token");
            return { user: { username: "op", role: "operator" }, expiresAt: Date.now() + 60_000 };
          },
          { now: () => Date.now() },
        ),
      );
    }
    const during = options.duringReplay;
    const store: Pick<AlertService, "onTransition" | "transitionsAfter" | "latestTransitionId"> = during
      ? {
          onTransition: (listener) => alerts.onTransition(listener),
          latestTransitionId: () => alerts.latestTransitionId(),
          async transitionsAfter(lastId, filter, limit) {
            await during();
            const batch = await alerts.transitionsAfter(lastId, filter, limit);
            await during();
            return batch;
          },
        }
      : alerts;
    gateway = createAlertGateway({
      io: socketServer,
      alerts: store,
      logger: pino({ level: "silent" }),
      ...(options.replayBatch ? { replayBatch: options.replayBatch } : {}),
    });
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    baseUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  }

  function watch(namespace: "/ops" | "/public", auth: Record<string, unknown> = {}): Watcher {
    const socket = io(`${baseUrl}${namespace}`, { transports: ["websocket"], reconnection: false, auth });
    sockets.push(socket);
    const events: AlertEventPayload[] = [];
    socket.on("alert", (payload: unknown) => events.push(alertEventSchema.parse(payload)));
    const connected = new Promise<void>((resolve, reject) => {
      socket.once("connect", () => resolve());
      socket.once("connect_error", reject);
    });
    return { socket, events, connected };
  }

  async function resident(areas: string[], auth: Record<string, unknown> = {}): Promise<Watcher> {
    const watcher = watch("/public", auth);
    await watcher.connected;
    expect(await watcher.socket.timeout(ACK_TIMEOUT_MS).emitWithAck("subscribe", { areas })).toEqual({
      ok: true,
    });
    return watcher;
  }

  /** Opens an alert for a fresh station. */
  async function raise(
    area: string | null,
    audience: "public" | "operators" = "public",
    severity: Severity = "major",
  ): Promise<AlertTransition> {
    sources++;
    const signal: AlertSignal = {
      kind: "open",
      ruleId,
      ruleVersion: 1,
      source: `tn-air-${String(sources).padStart(3, "0")}`,
      subject: "pm25",
      value: 150 + sources,
      severity,
      at: now,
    };
    const opened = await alerts.applySignal(signal, {
      area,
      audience,
      message: { vi: `Cảnh báo ${sources}`, en: `Alert ${sources}` },
    });
    if (!opened) throw new Error("no alert opened");
    return opened;
  }

  const ids = (events: readonly { id: number }[]) => events.map((e) => e.id);

  /** Waits until the watcher has the id, so that anything it should not get would have come first. */
  const waitFor = (watcher: Watcher, id: number) =>
    waitUntil(`alert ${id}`, () => watcher.events.some((e) => e.id === id));

  beforeEach(async () => {
    now = T0;
    sources = 0;
    fixture = await openSqliteFixture(clock, "envmon-alert-gateway-");
    const rules = createAlertRulesRepository(fixture.metadata, clock);
    ruleId = (await rules.create(minimalRule(), null)).id;
    alerts = alertServiceFor(fixture.metadata, clock);
  });

  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.close();
    gateway.close();
    await socketServer.close();
    await fixture.close();
  });

  it("carries every transition to operators, in the payload of the contract", async () => {
    await startServer();
    const operator = watch("/ops");
    await operator.connected;
    const opened = await raise(TAN_NINH, "operators", "critical");
    const ack = await alerts.acknowledge(opened.alertId, "nguyen.van.a", "đang xem");
    await waitUntil("both transitions", () => operator.events.length === 2);
    expect(operator.events[0]).toEqual({ ...opened });
    expect(operator.events[1]).toMatchObject({
      alertId: opened.alertId,
      transition: "acknowledged",
      acknowledged: true,
      actor: "nguyen.van.a",
      comment: "đang xem",
    });
    expect(ack.ok && ack.transition.id).toBe(operator.events[1]?.id);
    expect(operator.events[0]).toMatchObject({
      id: expect.any(Number),
      alertId: expect.any(Number),
      ruleId,
      state: "active",
      acknowledged: false,
      transition: "opened",
      severity: "critical",
      metric: "pm25",
      value: expect.any(Number),
      deviceId: "tn-air-001",
      area: TAN_NINH,
      message: { vi: "Cảnh báo 1", en: "Alert 1" },
      at: new Date(T0).toISOString(),
    });
  });

  it("replays exactly what a reconnecting operator missed, none twice, then goes live", async () => {
    await startServer();
    const first = watch("/ops");
    await first.connected;
    const before = await raise(TAN_NINH);
    await waitFor(first, before.id);
    const lastAlertId = Math.max(...ids(first.events));
    first.socket.disconnect();

    const missed = [await raise(TAN_NINH), await raise(LONG_AN, "operators"), await raise(null)];
    const again = watch("/ops", { lastAlertId });
    await again.connected;
    await waitUntil("the three missed alerts", () => again.events.length >= 3);
    const live = await raise(TAN_NINH);
    await waitFor(again, live.id);
    expect(ids(again.events)).toEqual([...ids(missed), live.id]);
  });

  it("has no gap and no repeat when transitions arrive during the replay", async () => {
    // Two transitions per replay query, and new alerts stored before and after each query: some
    // arrive live while held, some are also in the next query's answer.
    let storing = false;
    let stormLeft = 12;
    await startServer({
      replayBatch: 2,
      duringReplay: async () => {
        if (!storing || stormLeft <= 0) return;
        stormLeft--;
        await raise(stormLeft % 2 ? TAN_NINH : LONG_AN);
      },
    });
    for (let i = 0; i < 10; i++) await raise(TAN_NINH);
    storing = true;
    const late = watch("/ops", { lastAlertId: 3 });
    await late.connected;
    await waitUntil("the storm during the replay", () => stormLeft === 0);
    const stored = ids(await alerts.transitionsAfter(0));
    expect(stored).toHaveLength(22);
    await waitUntil("every transition after 3", () => late.events.length >= 19);
    const live = await raise(null);
    await waitFor(late, live.id);
    expect(ids(late.events)).toEqual([...stored.slice(3), live.id]);

    // Without a lastAlertId: live from the moment it connected, in order, no repeats.
    stormLeft = 2;
    const fresh = watch("/ops");
    await fresh.connected;
    await waitUntil("alerts stored during its start", () => stormLeft === 0);
    const last = await raise(null);
    await waitFor(fresh, last.id);
    const all = ids(await alerts.transitionsAfter(0));
    const got = ids(fresh.events);
    expect(got).toEqual(all.slice(-3));
  });

  it("sends residents only the public alerts of their areas, never operators-only ones or reminders", async () => {
    await startServer();
    const operator = watch("/ops");
    await operator.connected;
    const tanNinh = await resident([TAN_NINH]);
    const elsewhere = await resident([LONG_AN]);

    const forTanNinh = await raise(TAN_NINH, "public", "critical");
    await raise(TAN_NINH, "operators");
    await raise(null);
    now += 60 * 60_000;
    const [reminder] = await alerts.remindDue(15 * 60_000);
    expect(reminder?.alertId).toBe(forTanNinh.alertId);
    await alerts.acknowledge(forTanNinh.alertId, "nguyen.van.a", "ghi chú nội bộ");
    // A last alert for each area: whatever a resident should not get would have arrived before it.
    const lastTanNinh = await raise(TAN_NINH);
    const lastLongAn = await raise(LONG_AN);
    await waitFor(tanNinh, lastTanNinh.id);
    await waitFor(elsewhere, lastLongAn.id);
    await waitFor(operator, lastLongAn.id);

    expect(tanNinh.events.map((e) => [e.id, e.transition])).toEqual([
      [forTanNinh.id, "opened"],
      [forTanNinh.id + 4, "acknowledged"],
      [lastTanNinh.id, "opened"],
    ]);
    // Residents learn that it was acknowledged, not by whom or what was written.
    expect(tanNinh.events[1]).toMatchObject({ actor: null, comment: null });
    expect(ids(elsewhere.events)).toEqual([lastLongAn.id]);
    expect(operator.events.map((e) => e.transition)).toEqual([
      "opened",
      "opened",
      "opened",
      "reminder",
      "acknowledged",
      "opened",
      "opened",
    ]);
  });

  it("replays to a resident after it subscribes, from its handshake's lastAlertId, for its areas only", async () => {
    await startServer();
    const seen = await raise(TAN_NINH);
    const missed = await raise(TAN_NINH);
    await raise(LONG_AN);
    await raise(TAN_NINH, "operators");
    const missedToo = await raise(TAN_NINH);

    const watcher = watch("/public", { lastAlertId: seen.id });
    await watcher.connected;
    // Nothing before subscribing: it has not said which areas are its own.
    const unseen = await raise(TAN_NINH);
    expect(
      await watcher.socket.timeout(ACK_TIMEOUT_MS).emitWithAck("subscribe", { areas: [TAN_NINH] }),
    ).toEqual({
      ok: true,
    });
    const live = await raise(TAN_NINH);
    await waitFor(watcher, live.id);
    expect(ids(watcher.events)).toEqual([missed.id, missedToo.id, unseen.id, live.id]);

    // Another area later: the replay continues from what this client has, in the new area.
    const other = await raise(LONG_AN);
    expect(
      await watcher.socket.timeout(ACK_TIMEOUT_MS).emitWithAck("subscribe", { areas: [LONG_AN] }),
    ).toEqual({
      ok: true,
    });
    await waitFor(watcher, other.id);
    const stillMine = await raise(TAN_NINH);
    const next = await raise(LONG_AN);
    await waitFor(watcher, next.id);
    expect(ids(watcher.events)).toEqual([missed.id, missedToo.id, unseen.id, live.id, other.id, next.id]);
    expect(ids(watcher.events)).not.toContain(stillMine.id);
  });

  it("answers a bad subscription with the reason, and refuses a bad lastAlertId at the handshake", async () => {
    await startServer();
    const watcher = watch("/public");
    await watcher.connected;
    const emit = (payload: unknown) =>
      watcher.socket.timeout(ACK_TIMEOUT_MS).emitWithAck("subscribe", payload);
    expect(await emit({ areas: [] })).toEqual({
      ok: false,
      error: "areas: areas must name at least one commune or ward",
    });
    expect(await emit({ areas: "phuong-tan-ninh" })).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^areas: /),
    });
    expect(await emit({ areas: [TAN_NINH], devices: ["x"] })).toMatchObject({ ok: false });
    expect(await emit("everything")).toMatchObject({ ok: false });

    for (const lastAlertId of [-1, "abc", 1.5, { id: 3 }]) {
      const refused = watch("/public", { lastAlertId });
      await expect(refused.connected).rejects.toThrow("lastAlertId must be a whole number ≥ 0");
    }
  });

  it("starts a client whose lastAlertId is beyond the newest (a fresh database) from the newest", async () => {
    await startServer();
    await raise(TAN_NINH);
    const ahead = watch("/ops", { lastAlertId: 10_000 });
    await ahead.connected;
    const resident2 = await resident([TAN_NINH], { lastAlertId: "10000" });
    const next = await raise(TAN_NINH);
    await waitFor(ahead, next.id);
    await waitFor(resident2, next.id);
    expect(ids(ahead.events)).toEqual([next.id]);
    expect(ids(resident2.events)).toEqual([next.id]);
  });

  it("works behind the operators' token check", async () => {
    await startServer({ authenticateOps: true });
    const before = await raise(TAN_NINH);
    const refused = watch("/ops", { lastAlertId: 0 });
    await expect(refused.connected).rejects.toThrow("unauthorized");
    const missed = await raise(LONG_AN, "operators");
    const operator = watch("/ops", { token: "operator-token", lastAlertId: before.id });
    await operator.connected;
    const live = await raise(null);
    await waitFor(operator, live.id);
    expect(ids(operator.events)).toEqual([missed.id, live.id]);
    // /public needs no token.
    const watcher = await resident([TAN_NINH], { lastAlertId: 0 });
    await waitFor(watcher, before.id);
  });
});
