/**
 * Warning delivery over real Socket.IO (with the alert gateway beside it, which answers the
 * residents' `subscribe`): operators get every event, residents the public ones of the communes
 * they follow, and a client that reconnects with its last id gets what it missed, once.
 */
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { pino } from "pino";
import { Server as SocketServer } from "socket.io";
import { io, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAlertGateway } from "../../alerts/delivery/alert-gateway.js";
import type { Clock } from "../../kernel/clock.js";
import { HOUR_MS } from "../../kernel/time.js";
import { alertServiceFor } from "../../test/support/alert-service.js";
import { openSqliteFixture, type SqliteFixture } from "../../test/support/sqlite-fixture.js";
import { waitUntil } from "../../test/support/wait-until.js";
import { publicWarningEventSchema, warningEventViewSchema } from "../model/warning-view.js";
import { createAgencyRepository } from "../store/agency-repository.js";
import { createWarningRepository } from "../store/warning-repository.js";
import { createWarningService, type WarningService } from "../warning-service.js";
import { createWarningGateway } from "./warning-gateway.js";

const T0 = Date.UTC(2026, 11, 6, 2, 0, 0);
const clock: Clock = { now: () => T0 };

interface Watcher {
  readonly socket: Socket;
  readonly events: { id: number; kind: string; warningId: number; level: number; raw: unknown }[];
}

describe("warning gateway (Socket.IO)", () => {
  let fixture: SqliteFixture;
  let warnings: WarningService;
  let agencyId: number;
  let http: HttpServer;
  let server: SocketServer;
  let baseUrl: string;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    fixture = await openSqliteFixture(clock, "envmon-warning-gateway-");
    const agencies = createAgencyRepository(fixture.metadata, clock);
    const agency = await agencies.create({
      code: "kttv",
      name: { vi: "Đài KTTV" },
      hazards: ["flood"],
      communes: ["tan-ninh", "go-dau", "duc-hoa"],
      secondApproval: true,
    });
    if (!agency) throw new Error("no agency");
    agencyId = agency.id;
    await agencies.setMember(agencyId, "issuer", "issuer");
    await agencies.setMember(agencyId, "approver", "approver");
    warnings = createWarningService({
      repository: createWarningRepository(fixture.metadata),
      agencies,
      communes: async () => [],
      alerts: { get: async () => undefined },
      clock,
      onListenerError: (_c, error) => {
        throw error;
      },
    });
    http = createServer();
    server = new SocketServer(http, { serveClient: false });
    const logger = pino({ level: "silent" });
    createAlertGateway({ io: server, alerts: alertServiceFor(fixture.metadata, clock), logger });
    createWarningGateway({ io: server, warnings, agencies, logger });
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    baseUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await fixture.close();
  });

  async function watch(namespace: "/ops" | "/public", areas?: string[], lastWarningEventId?: number) {
    const auth = lastWarningEventId === undefined ? {} : { lastWarningEventId };
    const socket = io(`${baseUrl}${namespace}`, { transports: ["websocket"], reconnection: false, auth });
    sockets.push(socket);
    const watcher: Watcher = { socket, events: [] };
    socket.on("warning", (payload: unknown) => {
      const parsed =
        namespace === "/ops"
          ? warningEventViewSchema.parse(payload)
          : publicWarningEventSchema.parse(payload);
      watcher.events.push({
        id: parsed.id,
        kind: parsed.kind,
        warningId: parsed.warningId,
        level: parsed.warning.level,
        raw: payload,
      });
    });
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", () => resolve());
      socket.once("connect_error", reject);
    });
    if (areas) expect(await socket.timeout(10_000).emitWithAck("subscribe", { areas })).toEqual({ ok: true });
    return watcher;
  }

  const content = (level: number, communes: string[]) => ({
    hazard: "flood" as const,
    level,
    concurrentRaise: 0 as const,
    communes,
    headline: { vi: "Lũ lớn", en: null },
    description: { vi: "Nước lên nhanh.", en: null },
    instruction: { vi: "Lên nơi cao.", en: null },
    onset: T0,
    expires: T0 + 12 * HOUR_MS,
    references: [],
  });

  it("delivers each step to operators, and the public ones to residents of the communes concerned, without repeats", async () => {
    const ops = await watch("/ops");
    const tanNinh = await watch("/public", ["tan-ninh"]);
    const ducHoa = await watch("/public", ["duc-hoa"]);

    const drafted = await warnings.draft(agencyId, content(3, ["tan-ninh", "go-dau"]) as never, "issuer");
    if (!drafted.ok) throw new Error(drafted.message);
    const id = drafted.warning.id;
    expect(await warnings.publish(id, "issuer")).toMatchObject({ ok: false, reason: "forbidden" });
    expect(await warnings.publish(id, "approver")).toMatchObject({ ok: true });

    await waitUntil("the published warning at the Tân Ninh resident", () => tanNinh.events.length === 1);
    expect(tanNinh.events[0]).toMatchObject({ kind: "published", warningId: id, level: 3 });
    // Residents see no names of the agency's staff.
    expect(JSON.stringify(tanNinh.events[0]?.raw)).not.toMatch(/"(issuer|approver)"/);
    await waitUntil("operators see the draft and the publication", () => ops.events.length === 2);
    expect(ops.events.map((e) => e.kind)).toEqual(["drafted", "published"]);

    // The resident drops; an update and a cancellation happen while away.
    const lastSeen = tanNinh.events[0]?.id ?? 0;
    tanNinh.socket.disconnect();
    expect(await warnings.update(id, content(4, ["tan-ninh", "go-dau"]) as never, "approver")).toMatchObject({
      ok: true,
    });
    expect(await warnings.cancel(id, "approver")).toMatchObject({ ok: true });
    await waitUntil("operators see the update and the cancellation", () => ops.events.length === 4);

    // Back with its last id: what it missed, once, in order.
    const back = await watch("/public", ["tan-ninh"], lastSeen);
    await waitUntil("the missed update and cancellation", () => back.events.length === 2);
    expect(back.events.map((e) => [e.kind, e.level])).toEqual([
      ["updated", 4],
      ["cancelled", 4],
    ]);
    // Another draft later is for operators only; a publication for Đức Hòa reaches only Đức Hòa.
    const other = await warnings.draft(agencyId, content(2, ["duc-hoa"]) as never, "issuer");
    if (!other.ok) throw new Error(other.message);
    await warnings.publish(other.warning.id, "approver");
    await waitUntil("the Đức Hòa resident gets its warning", () => ducHoa.events.length === 1);
    expect(ducHoa.events[0]?.warningId).toBe(other.warning.id);
    await waitUntil("operators see it all", () => ops.events.length === 6);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(back.events).toHaveLength(2);
    expect(new Set(ops.events.map((e) => e.id)).size).toBe(6);
  });

  it("refuses a handshake with a lastWarningEventId that is not a whole number", async () => {
    const socket = io(`${baseUrl}/public`, {
      transports: ["websocket"],
      reconnection: false,
      auth: { lastWarningEventId: "yesterday" },
    });
    sockets.push(socket);
    const error = await new Promise<Error>((resolve) => socket.once("connect_error", resolve));
    expect(error.message).toMatch(/lastWarningEventId/);
  });
});
