import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { pino } from "pino";
import { Registry } from "prom-client";
import { Server as SocketServer } from "socket.io";
import { io as connectClient, type Socket } from "socket.io-client";
import { afterEach, describe, expect, it } from "vitest";
import type { DeviceProfile } from "../../devices/model/device.js";
import { LIVE_READINGS_EVENT } from "../../kernel/api-contract.js";
import type { Clock } from "../../kernel/clock.js";
import type { Reading } from "../../kernel/reading.js";
import { OPS_NAMESPACE } from "../../kernel/topics.js";
import { openSqliteFixture, type SqliteFixture } from "../../test/support/sqlite-fixture.js";
import { waitUntil } from "../../test/support/wait-until.js";
import { createInProcessReadingsFeed, type StoredReadingsFeed } from "../feed/stored-readings-feed.js";
import { createLiveGateway, type LiveReadingEvent } from "./live-gateway.js";

const T0 = Date.UTC(2026, 10, 21, 8, 0, 0);
const THROTTLE_MS = 200;
const TEST_TIMEOUT_MS = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

const station = (id: string, area: string, areaName: string): DeviceProfile => ({
  id,
  name: `Trạm ${id}`,
  kind: "air",
  area,
  areaName,
  lat: 11.3,
  lon: 106.1,
  metrics: ["pm25", "temperature"],
});
const TAN_NINH = "p-tan-ninh";
const LONG_AN = "p-long-an";

interface Harness {
  readonly feed: StoredReadingsFeed;
  readonly fixture: SqliteFixture;
  readonly metricsRegistry: Registry;
  readonly feedErrors: unknown[];
  /** The gateway's clock, moved by the test. */
  now: number;
  /** `events`: every reading event received; `frames`: the Socket.IO frames that carried them. */
  connect(): Promise<{ socket: Socket; events: LiveReadingEvent[]; frames: LiveReadingEvent[][] }>;
  closeGateway(): void;
}

describe("live gateway (Socket.IO /ops)", () => {
  let cleanups: Array<() => Promise<unknown> | unknown> = [];

  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    cleanups = [];
  }, TEST_TIMEOUT_MS);

  async function start(): Promise<Harness> {
    const clock: Clock = { now: () => T0 };
    const fixture = await openSqliteFixture(clock, "envmon-live-test-");
    cleanups.push(() => fixture.close());
    await fixture.registry.register([
      station("tn-air-001", TAN_NINH, "Phường Tân Ninh"),
      station("tn-air-002", TAN_NINH, "Phường Tân Ninh"),
      station("la-air-003", LONG_AN, "Phường Long An"),
    ]);
    const httpServer: HttpServer = createServer();
    const io = new SocketServer(httpServer, { serveClient: false });
    await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          io.disconnectSockets(true);
          io.close(() => resolve());
        }),
    );
    const { port } = httpServer.address() as AddressInfo;
    const feedErrors: unknown[] = [];
    const feed = createInProcessReadingsFeed((_channel, error) => feedErrors.push(error));
    const metricsRegistry = new Registry();
    const harness: Harness = {
      feed,
      fixture,
      metricsRegistry,
      feedErrors,
      now: T0,
      async connect() {
        const socket = connectClient(`http://127.0.0.1:${port}${OPS_NAMESPACE}`, {
          transports: ["websocket"],
          forceNew: true,
          reconnection: false,
        });
        cleanups.push(() => socket.disconnect());
        const events: LiveReadingEvent[] = [];
        const frames: LiveReadingEvent[][] = [];
        socket.on(LIVE_READINGS_EVENT, (frame: LiveReadingEvent[]) => {
          frames.push(frame);
          events.push(...frame);
        });
        await new Promise<void>((resolve, reject) => {
          socket.once("connect", () => resolve());
          socket.once("connect_error", reject);
        });
        return { socket, events, frames };
      },
      closeGateway: () => gateway.close(),
    };
    const gateway = createLiveGateway({
      io,
      registry: fixture.registry,
      metricsRegistry,
      logger: pino({ level: "silent" }),
      throttleMs: THROTTLE_MS,
      now: () => harness.now,
    });
    feed.subscribe((readings) => gateway.acceptStored(readings));
    cleanups.push(() => gateway.close());
    return harness;
  }

  const subscribe = (socket: Socket, payload: unknown) =>
    socket.timeout(10_000).emitWithAck("subscribe", payload);

  /**
   * Publishes one reading per call with the clock moved past the throttle window, so that it
   * goes out at once and the order of events is the order of calls.
   */
  function publisher(harness: Harness) {
    return (deviceId: string, values: Record<string, number>, ts = harness.now) => {
      harness.now += 10 * THROTTLE_MS;
      const readings = Object.entries(values).map(
        ([metric, value]): Reading => ({ deviceId, metric: metric as Reading["metric"], ts, value }),
      );
      harness.feed.publish(readings);
    };
  }

  const devicesOf = (events: readonly LiveReadingEvent[]) => events.map((e) => e.deviceId);

  it(
    "sends a subscriber by device the stored readings of that device only",
    async () => {
      const harness = await start();
      const publish = publisher(harness);
      const watcher = await harness.connect();
      const everything = await harness.connect();
      expect(await subscribe(watcher.socket, { devices: ["tn-air-001"] })).toEqual({ ok: true });
      expect(await subscribe(everything.socket, { all: true })).toEqual({ ok: true });

      publish("tn-air-001", { pm25: 35.2, temperature: 31.4 }, T0 - 60_000);
      await waitUntil("the device's reading", () => watcher.events.length === 1 || undefined);
      expect(watcher.events[0]).toEqual({
        deviceId: "tn-air-001",
        area: TAN_NINH,
        ts: iso(T0 - 60_000),
        values: { pm25: 35.2, temperature: 31.4 },
      });

      publish("tn-air-002", { pm25: 20 });
      publish("la-air-003", { pm25: 21 });
      await waitUntil(
        "the other devices' readings on the 'all' client",
        () => everything.events.length === 3 || undefined,
      );
      // Events reach a socket in order, so a later event for the watched device proves the others were not sent.
      publish("tn-air-001", { pm25: 36 });
      await waitUntil("the next reading of the device", () => watcher.events.length === 2 || undefined);
      expect(devicesOf(watcher.events)).toEqual(["tn-air-001", "tn-air-001"]);
      expect(watcher.events[1]?.values).toEqual({ pm25: 36 });
      expect(harness.feedErrors).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "sends the events of one stored batch to 'all' screens as one frame, and a chosen area's events to its watcher",
    async () => {
      const harness = await start();
      const watcher = await harness.connect();
      const everything = await harness.connect();
      expect(await subscribe(watcher.socket, { areas: [TAN_NINH] })).toEqual({ ok: true });
      expect(await subscribe(everything.socket, { all: true })).toEqual({ ok: true });

      // One group commit's worth: three stations in one batch.
      harness.feed.publish(
        ["tn-air-001", "tn-air-002", "la-air-003"].map(
          (deviceId, i): Reading => ({ deviceId, metric: "pm25", ts: T0, value: 10 + i }),
        ),
      );
      await waitUntil("the batch on the 'all' client", () => everything.events.length === 3 || undefined);
      await waitUntil("the area's part on the area client", () => watcher.events.length === 2 || undefined);
      expect(everything.frames.map((frame) => frame.length)).toEqual([3]);
      expect(devicesOf(watcher.events).sort()).toEqual(["tn-air-001", "tn-air-002"]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "sends a subscriber by area the readings of the devices registered in it",
    async () => {
      const harness = await start();
      const publish = publisher(harness);
      const watcher = await harness.connect();
      const everything = await harness.connect();
      expect(await subscribe(watcher.socket, { areas: [LONG_AN] })).toEqual({ ok: true });
      expect(await subscribe(everything.socket, { all: true })).toEqual({ ok: true });

      publish("tn-air-001", { pm25: 10 });
      publish("rogue-7", { pm25: 11 });
      await waitUntil(
        "the readings outside the area on the 'all' client",
        () => everything.events.length === 2 || undefined,
      );
      publish("la-air-003", { pm25: 12 });
      await waitUntil("the area's reading", () => watcher.events.length === 1 || undefined);
      expect(watcher.events).toEqual([
        { deviceId: "la-air-003", area: LONG_AN, ts: expect.any(String), values: { pm25: 12 } },
      ]);

      // A device registered into the area later is sent to the area's subscribers from then on.
      await harness.fixture.registry.register([station("la-air-004", LONG_AN, "Phường Long An")]);
      publish("la-air-004", { pm25: 13 });
      await waitUntil("the new station's reading", () => watcher.events.length === 2 || undefined);
      expect(watcher.events[1]).toMatchObject({ deviceId: "la-air-004", area: LONG_AN });
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "sends 'all' subscribers every device, unregistered ones with a null area, and adds up subscriptions",
    async () => {
      const harness = await start();
      const publish = publisher(harness);
      const everything = await harness.connect();
      const combined = await harness.connect();
      expect(await subscribe(everything.socket, { all: true })).toEqual({ ok: true });
      expect(await subscribe(combined.socket, { devices: ["la-air-003"] })).toEqual({ ok: true });
      expect(await subscribe(combined.socket, { areas: [TAN_NINH], devices: [] })).toEqual({ ok: true });

      publish("rogue-7", { noise: 70 });
      publish("tn-air-002", { pm25: 1 });
      publish("la-air-003", { pm25: 2 });
      await waitUntil("three readings", () => everything.events.length === 3 || undefined);
      // Events of different devices may overtake each other (the area is looked up per event).
      expect(everything.events.map((e) => [e.deviceId, e.area]).sort()).toEqual([
        ["la-air-003", LONG_AN],
        ["rogue-7", null],
        ["tn-air-002", TAN_NINH],
      ]);
      // Every event above has been sent, so anything meant for `combined` is on its way before this one.
      publish("tn-air-001", { pm25: 3 });
      await waitUntil("the combined subscriber's readings", () => combined.events.length === 3 || undefined);
      expect(devicesOf(combined.events).slice(0, 2).sort()).toEqual(["la-air-003", "tn-air-002"]);
      expect(combined.events[2]?.deviceId).toBe("tn-air-001");
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "answers garbage subscribe payloads with { ok: false, error } and keeps serving the socket",
    async () => {
      const harness = await start();
      const publish = publisher(harness);
      const client = await harness.connect();
      const everything = await harness.connect();
      expect(await subscribe(everything.socket, { all: true })).toEqual({ ok: true });
      const garbage: Array<[payload: unknown, field: string]> = [
        [null, "subscribe"],
        ["all", "subscribe"],
        [42, "subscribe"],
        [[], "subscribe"],
        [{ devices: "tn-air-001" }, "devices"],
        [{ devices: [42] }, "devices.0"],
        [{ devices: ["tn-air-001", "bad id"] }, "devices.1"],
        [{ devices: ["a".repeat(65)] }, "devices.0"],
        [{ devices: ["trạm-1"] }, "devices.0"],
        [{ devices: Array.from({ length: 1001 }, (_, i) => `d-${i}`) }, "devices"],
        [{ areas: [""] }, "areas.0"],
        [{ areas: ["a".repeat(65)] }, "areas.0"],
        [{ areas: "p-tan-ninh" }, "areas"],
        [{ areas: Array.from({ length: 201 }, (_, i) => `a-${i}`) }, "areas"],
        [{ all: "yes" }, "all"],
        [{ all: 1 }, "all"],
        [{ all: true, room: "admin" }, "room"],
      ];
      for (const [payload, field] of garbage) {
        const answer = await subscribe(client.socket, payload);
        expect({ payload, answer }).toEqual({ payload, answer: { ok: false, error: expect.any(String) } });
        expect(answer.error).toContain(field);
      }
      // Without an ack callback there is nobody to answer, and the connection stays up.
      client.socket.emit("subscribe", { devices: "not-a-list" });

      // Nothing garbage asked for was joined; a valid subscription without an ack still counts.
      client.socket.emit("subscribe", { devices: ["tn-air-002"] });
      expect(await subscribe(client.socket, { devices: ["la-air-003"] })).toEqual({ ok: true });
      publish("tn-air-001", { pm25: 1 });
      publish("tn-air-002", { pm25: 2 });
      publish("rogue-7", { pm25: 3 });
      await waitUntil("every reading on the 'all' client", () => everything.events.length === 3 || undefined);
      publish("la-air-003", { pm25: 4 });
      await waitUntil("the subscribed readings", () => client.events.length === 2 || undefined);
      expect(devicesOf(client.events)).toEqual(["tn-air-002", "la-air-003"]);
      expect(client.socket.connected).toBe(true);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "answers a subscribe that carries only the ack callback (no payload) with { ok: false, error }",
    async () => {
      const harness = await start();
      const client = await harness.connect();
      // Socket.IO hands the callback to the handler as its first argument when no payload is sent.
      const answer = await client.socket.timeout(5000).emitWithAck("subscribe");
      expect(answer).toEqual({ ok: false, error: expect.any(String) });
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "sends a chatty device's first reading at once and merges the rest of the window into one event",
    async () => {
      const harness = await start();
      const client = await harness.connect();
      expect(await subscribe(client.socket, { all: true })).toEqual({ ok: true });
      const chatty = "tn-air-002";
      const base = T0 - 20_000;
      const reading = (
        i: number,
        metric: Reading["metric"],
        value: number,
        ts = base + i * 1000,
      ): Reading => ({
        deviceId: chatty,
        metric,
        ts,
        value,
      });
      // Ten stored batches within 45 ms of the gateway's clock; the last one is a late, older reading.
      const batches: Reading[][] = Array.from({ length: 9 }, (_, i) => [reading(i, "pm25", 10 + i)]);
      batches[3]?.push(reading(3, "temperature", 30.5));
      batches[8]?.push(reading(8, "temperature", 31.5));
      batches.push([reading(9, "pm25", 99, base + 2500), reading(9, "humidity", 80, base + 2500)]);
      harness.now = T0;
      for (const [i, batch] of batches.entries()) {
        harness.now = T0 + i * 5;
        harness.feed.publish(batch);
      }

      await waitUntil("the merged event after the window", () => client.events.length >= 2 || undefined);
      expect(client.events).toEqual([
        { deviceId: chatty, area: TAN_NINH, ts: iso(base), values: { pm25: 10 } },
        {
          deviceId: chatty,
          area: TAN_NINH,
          ts: iso(base + 8000),
          // Newest value per metric by reading time: the late pm25 does not replace a newer one.
          values: { pm25: 18, temperature: 31.5, humidity: 80 },
        },
      ]);

      // Nothing more is pending: a later event of another device comes next.
      harness.now = T0 + 10 * THROTTLE_MS;
      harness.feed.publish([{ deviceId: "la-air-003", metric: "pm25", ts: T0, value: 5 }]);
      await waitUntil("the marker event", () => client.events.length >= 3 || undefined);
      expect(devicesOf(client.events)).toEqual([chatty, chatty, "la-air-003"]);

      // Once the window has passed on the gateway's clock, the next reading goes out at once again.
      harness.feed.publish([reading(20, "pm25", 42)]);
      await waitUntil("the next reading", () => client.events.length >= 4 || undefined);
      expect(client.events[3]).toEqual({
        deviceId: chatty,
        area: TAN_NINH,
        ts: iso(base + 20_000),
        values: { pm25: 42 },
      });
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "counts connected clients in envmon_socket_clients and stops sending once closed",
    async () => {
      const harness = await start();
      const gauge = async () => {
        const text = await harness.metricsRegistry.metrics();
        return Number(/^envmon_socket_clients (\d+)$/m.exec(text)?.[1]);
      };
      expect(await gauge()).toBe(0);
      const first = await harness.connect();
      const second = await harness.connect();
      await waitUntil("two clients counted", async () => (await gauge()) === 2 || undefined);
      second.socket.disconnect();
      await waitUntil("one client counted", async () => (await gauge()) === 1 || undefined);

      expect(await subscribe(first.socket, { all: true })).toEqual({ ok: true });
      const publish = publisher(harness);
      publish("tn-air-001", { pm25: 1 });
      await waitUntil("a reading before closing", () => first.events.length === 1 || undefined);
      harness.closeGateway();
      publish("tn-air-001", { pm25: 2 });
      // The socket still works (the server answers), but no reading is sent any more.
      expect(await subscribe(first.socket, { devices: ["la-air-003"] })).toEqual({ ok: true });
      expect(first.events).toHaveLength(1);
    },
    TEST_TIMEOUT_MS,
  );
});
