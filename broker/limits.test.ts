/**
 * Each broker limit on a real broker: the client that breaks it is refused or disconnected and
 * the limit is counted, while the others carry on.
 */
import type { MqttClient } from "mqtt";
import { afterEach, describe, expect, it } from "vitest";
import { createCleanupList } from "../test/support/cleanup-list.js";
import {
  connackCode,
  connectPacket,
  openRaw,
  publishPacket,
  type RawConnection,
  remainingLength,
  subscribePacket,
} from "../test/support/raw-mqtt.js";
import {
  closed,
  connectClient,
  refusalCode,
  type SecuredBroker,
  startSecuredBroker,
} from "../test/support/secured-broker.js";
import { waitUntil } from "../test/support/wait-until.js";
import type { BrokerLimits } from "./connection-limits.js";

const TEST_TIMEOUT_MS = 60_000;

describe("broker limits", () => {
  let secured: SecuredBroker | undefined;
  const cleanups = createCleanupList();

  afterEach(async () => {
    await cleanups.runAll();
    await secured?.close();
    secured = undefined;
  }, TEST_TIMEOUT_MS);

  async function start(
    limits: Partial<BrokerLimits>,
    options: { clock?: { now(): number }; drainTimeoutMs?: number } = {},
  ): Promise<SecuredBroker> {
    secured = await startSecuredBroker({ limits, ...options });
    return secured;
  }

  const violations = (limit: string) =>
    secured?.counter("envmon_broker_limit_violations_total", { limit }) ?? Promise.resolve(Number.NaN);

  async function device(broker: SecuredBroker, deviceId: string, keepalive = 30): Promise<MqttClient> {
    const secret = await broker.addDevice(deviceId);
    const client = await connectClient(broker.url, {
      clientId: deviceId,
      username: deviceId,
      password: secret,
      keepalive,
    });
    cleanups.add(() => client.endAsync(true));
    return client;
  }

  async function rawDevice(broker: SecuredBroker, deviceId: string, reading = true): Promise<RawConnection> {
    const secret = await broker.addDevice(deviceId);
    const raw = await openRaw(broker.port, { reading });
    cleanups.add(() => raw.socket.destroy());
    raw.socket.write(connectPacket({ clientId: deviceId, username: deviceId, password: secret }));
    if (reading) await waitUntil("CONNACK", () => connackCode(raw.received()) === 0 || undefined);
    return raw;
  }

  it(
    "too many topic levels: publishes and subscriptions deeper than the limit disconnect the client",
    async () => {
      const broker = await start({ maxTopicLevels: 4 });
      const good = await device(broker, "tn-air-001");
      const deep = await device(broker, "tn-deep-1");
      deep.publish("sensors/tn-deep-1/readings/a/b", "{}", { qos: 1 });
      await closed(deep);
      const deeper = await device(broker, "tn-deep-2");
      deeper.subscribe("a/b/c/d/e");
      await closed(deeper);
      expect(await violations("topic_levels")).toBe(2);
      await good.publishAsync("sensors/tn-air-001/readings", '{"values":{"pm25":1}}', { qos: 1 });
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "too large a payload: refused at authorisation, or cut as soon as the packet header announces it",
    async () => {
      const broker = await start({ maxPayloadBytes: 1024 });
      const good = await device(broker, "tn-air-001");
      await good.publishAsync("sensors/tn-air-001/readings", "x".repeat(1024), { qos: 1 });
      const big = await device(broker, "tn-big-1");
      big.publish("sensors/tn-big-1/readings", "x".repeat(1025), { qos: 1 });
      await closed(big);
      expect(await violations("payload_size")).toBe(1);

      // A header announcing 50 MB: the broker closes before a tenth of a kilobyte of it arrives.
      const raw = await rawDevice(broker, "tn-big-2");
      const header = Buffer.concat([Buffer.from([0x32]), remainingLength(50 * 1024 * 1024)]);
      raw.socket.write(Buffer.concat([header, Buffer.from("0019sensors/tn-big-2/readings")]));
      await raw.closed;
      expect(await violations("payload_size")).toBe(2);
      await good.publishAsync("sensors/tn-air-001/readings", '{"values":{"pm25":1}}', { qos: 1 });
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "connections per source address per second: over the rate is dropped before CONNECT; time restores it",
    async () => {
      let now = 1_000_000;
      const broker = await start({ maxConnectionsPerIpPerSecond: 3 }, { clock: { now: () => now } });
      const first = await device(broker, "tn-air-001");
      const second = await device(broker, "tn-air-002");
      const third = await device(broker, "tn-air-003");
      // The fourth from 127.0.0.1 within the same second is closed without a CONNACK.
      const secret = await broker.addDevice("tn-air-004");
      const options = { clientId: "tn-air-004", username: "tn-air-004", password: secret };
      await expect(connectClient(broker.url, options)).rejects.toThrow(
        /closed before CONNACK|ECONNRESET|EPIPE/,
      );
      expect(await violations("connection_rate")).toBe(1);
      expect([first.connected, second.connected, third.connected]).toEqual([true, true, true]);
      now += 1000;
      const fourth = await connectClient(broker.url, options);
      cleanups.add(() => fourth.endAsync(true));
      expect(fourth.connected).toBe(true);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "max connections: devices beyond it get CONNACK 3 (server unavailable); service clients still get in",
    async () => {
      const broker = await start({ maxConnections: 2 });
      await device(broker, "tn-air-001");
      await device(broker, "tn-air-002");
      const secret = await broker.addDevice("tn-air-003");
      expect(
        await refusalCode(broker.url, { clientId: "tn-air-003", username: "tn-air-003", password: secret }),
      ).toBe(3);
      expect(await violations("max_connections")).toBe(1);
      const ingest = await connectClient(broker.url, {
        clientId: "svc-ingest",
        username: "svc-ingest",
        password: broker.servicePassword,
      });
      cleanups.add(() => ingest.endAsync(true));
      expect(ingest.connected).toBe(true);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "keepalive bounds: a device asking for none, too short or too long a keepalive is refused",
    async () => {
      const broker = await start({ keepaliveMinS: 5, keepaliveMaxS: 60 });
      const secret = await broker.addDevice("tn-air-001");
      const options = { clientId: "tn-air-001", username: "tn-air-001", password: secret };
      expect(await refusalCode(broker.url, { ...options, keepalive: 0 })).toBe(2);
      expect(await refusalCode(broker.url, { ...options, keepalive: 4 })).toBe(2);
      expect(await refusalCode(broker.url, { ...options, keepalive: 61 })).toBe(2);
      expect(await violations("keepalive")).toBe(3);
      const ok = await connectClient(broker.url, { ...options, keepalive: 60 });
      cleanups.add(() => ok.endAsync(true));
      // The service's own clients are not held to it.
      const ingest = await connectClient(broker.url, {
        clientId: "svc-ingest",
        username: "svc-ingest",
        password: broker.servicePassword,
        keepalive: 0,
      });
      cleanups.add(() => ingest.endAsync(true));
      expect(ingest.connected).toBe(true);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "max inflight: a device that keeps QoS 2 messages unreleased beyond the window is disconnected",
    async () => {
      const broker = await start({ maxInflight: 5 });
      const raw = await rawDevice(broker, "tn-air-001");
      const pubrecs = () =>
        [...raw.received()].filter((byte, i, all) => byte === 0x50 && all[i + 1] === 2).length;
      for (let id = 1; id <= 5; id++) {
        raw.socket.write(publishPacket("sensors/tn-air-001/readings", Buffer.from("{}"), 2, id));
      }
      await waitUntil("five PUBRECs", () => pubrecs() >= 5 || undefined);
      expect(raw.isClosed()).toBe(false);
      raw.socket.write(publishPacket("sensors/tn-air-001/readings", Buffer.from("{}"), 2, 6));
      await raw.closed;
      expect(await violations("inflight")).toBe(1);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "drain timeout: a subscriber that stops reading is disconnected once writes to it stall",
    async () => {
      const broker = await start({ maxPayloadBytes: 1024 * 1024 }, { drainTimeoutMs: 300 });
      const stalled = await openRaw(broker.port, { reading: false });
      cleanups.add(() => stalled.socket.destroy());
      stalled.socket.write(
        connectPacket({
          clientId: "svc-feed-slow",
          username: "svc-feed-slow",
          password: broker.servicePassword,
        }),
      );
      stalled.socket.write(subscribePacket("services/readings/stored", 0));
      const publisher = await connectClient(broker.url, {
        clientId: "svc-feed-fast",
        username: "svc-feed-fast",
        password: broker.servicePassword,
      });
      cleanups.add(() => publisher.endAsync(true));
      await waitUntil(
        "both clients connected",
        async () => (await broker.gauge("envmon_broker_connected_clients")) === 2 || undefined,
      );
      const chunk = "x".repeat(1000 * 1000);
      await waitUntil(
        "the stalled subscriber to be dropped",
        async () => {
          for (let i = 0; i < 5; i++) publisher.publish("services/readings/stored", chunk, { qos: 0 });
          return (await violations("drain_timeout")) >= 1 || undefined;
        },
        { timeoutMs: 30_000, intervalMs: 100 },
      );
      await waitUntil(
        "only the publisher left",
        async () => (await broker.gauge("envmon_broker_connected_clients")) === 1 || undefined,
      );
      expect(publisher.connected).toBe(true);
    },
    TEST_TIMEOUT_MS,
  );
});
