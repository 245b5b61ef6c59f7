/**
 * Nobody gets in where they don't belong: authentication, topic rules and revocation on a real
 * Aedes broker, with mqtt.js and with Eclipse Mosquitto's own command-line clients.
 */
import type { IPublishPacket, MqttClient } from "mqtt";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createDeviceCredentials } from "../devices/credentials/device-credentials.js";
import { createDeviceSecretHasher } from "../devices/credentials/secret-hash.js";
import { hashPassword } from "../platform/password-hash.js";
import { createCleanupList } from "../test/support/cleanup-list.js";
import { runCommand, startCommand } from "../test/support/command-line-client.js";
import { TEST_DEVICE_SECRET_KEY } from "../test/support/device-secret-key.js";
import {
  closed,
  connectClient,
  refusalCode,
  type SecuredBroker,
  startSecuredBroker,
} from "../test/support/secured-broker.js";
import { waitUntil } from "../test/support/wait-until.js";

const TEST_TIMEOUT_MS = 60_000;
/** How mqtt.js reports a SUBACK failure (0x80) for every filter of a SUBSCRIBE. */
const DENIED = { packet: { granted: [128] } };

describe("broker access control", () => {
  let secured: SecuredBroker;
  const cleanups = createCleanupList();

  beforeEach(async () => {
    secured = await startSecuredBroker();
  });

  afterEach(async () => {
    await cleanups.runAll();
    await secured.close();
  }, TEST_TIMEOUT_MS);

  const track = <T extends MqttClient>(client: T): T => {
    cleanups.add(() => client.endAsync(true));
    return client;
  };

  const device = async (deviceId: string, secret: string, options: { reconnectPeriod?: number } = {}) =>
    track(
      await connectClient(secured.url, {
        clientId: deviceId,
        username: deviceId,
        password: secret,
        ...options,
      }),
    );

  const service = async (clientId: string) =>
    track(
      await connectClient(secured.url, { clientId, username: clientId, password: secured.servicePassword }),
    );

  /** The service's ingest, collecting everything devices publish. */
  async function ingest(): Promise<IPublishPacket[]> {
    const client = await service("svc-ingest");
    const packets: IPublishPacket[] = [];
    client.on("message", (_topic, _payload, packet) => packets.push(packet));
    await client.subscribeAsync({ "sensors/+/readings": { qos: 1 }, "sensors/+/status": { qos: 1 } });
    return packets;
  }

  /** A device that publishes a reading every 20 ms until the test ends. */
  async function wellBehavedDevice(deviceId: string): Promise<{ client: MqttClient; acked: () => number }> {
    const client = await device(deviceId, await secured.addDevice(deviceId));
    let acked = 0;
    const timer = setInterval(() => {
      client.publish(`sensors/${deviceId}/readings`, '{"values":{"pm25":12}}', { qos: 1 }, (error) => {
        if (!error) acked++;
      });
    }, 20);
    cleanups.add(() => clearInterval(timer));
    return { client, acked: () => acked };
  }

  const mosquittoCredentials = (deviceId: string, password: string) => [
    "-h",
    "127.0.0.1",
    "-p",
    String(secured.port),
    "-V",
    "mqttv311",
    "-i",
    deviceId,
    "-u",
    deviceId,
    "-P",
    password,
  ];

  const refused = (reason: string) => secured.counter("envmon_broker_refused_connections_total", { reason });

  it(
    "refuses wrong, unknown, borrowed and mismatched credentials with the right CONNACK code, counted, while a good device keeps publishing",
    async () => {
      const received = await ingest();
      const good = await wellBehavedDevice("tn-air-001");
      const secretOf002 = await secured.addDevice("tn-air-002");
      const secretOf003 = await secured.addDevice("tn-air-003");
      await secured.setLifecycle("tn-air-003", "decommissioned");
      const id = (deviceId: string, password?: string) => ({
        clientId: deviceId,
        username: deviceId,
        ...(password === undefined ? {} : { password }),
      });

      // 4: bad user name or password.
      expect(await refusalCode(secured.url, id("tn-air-002", `${secretOf002}x`))).toBe(4);
      // Another device's secret under this device's id.
      expect(await refusalCode(secured.url, id("tn-air-001", secretOf002))).toBe(4);
      expect(await refusalCode(secured.url, id("tn-ghost-9", secretOf002))).toBe(4);
      expect(await refusalCode(secured.url, id("tn-air-002"))).toBe(4);
      expect(await refusalCode(secured.url, { clientId: "tn-air-002" })).toBe(4);
      // 2: identifier rejected — the client id must be the username, and a valid device id.
      expect(
        await refusalCode(secured.url, {
          clientId: "tn-air-001",
          username: "tn-air-002",
          password: secretOf002,
        }),
      ).toBe(2);
      expect(await refusalCode(secured.url, id("bad.id", secretOf002))).toBe(2);
      // 5: not authorised — the right secret of a decommissioned device.
      expect(await refusalCode(secured.url, id("tn-air-003", secretOf003))).toBe(5);
      // Services: the service password, and only the roles that exist.
      expect(await refusalCode(secured.url, id("svc-ingest-2", secretOf002))).toBe(4);
      expect(await refusalCode(secured.url, id("svc-admin", secured.servicePassword))).toBe(2);

      // A client the project did not write gets the same answer.
      const pub = await runCommand("mosquitto_pub", [
        ...mosquittoCredentials("tn-air-002", "not-the-secret"),
        "-t",
        "sensors/tn-air-002/readings",
        "-m",
        '{"values":{"pm25":1}}',
      ]);
      expect(pub.code).not.toBe(0);
      expect(pub.stderr.toLowerCase()).toContain("bad user name or password");

      expect(await refused("wrong_secret")).toBe(3);
      expect(await refused("unknown_device")).toBe(1);
      expect(await refused("missing_credentials")).toBe(2);
      expect(await refused("client_id_mismatch")).toBe(1);
      expect(await refused("invalid_client_id")).toBe(1);
      expect(await refused("decommissioned")).toBe(1);
      expect(await refused("wrong_service_password")).toBe(1);
      expect(await refused("unknown_service")).toBe(1);

      // The good device was never disturbed, and its readings still flow.
      const before = good.acked();
      await waitUntil("more readings from the good device", () => good.acked() >= before + 5 || undefined);
      expect(good.client.connected).toBe(true);
      expect(received.every((p) => p.topic === "sensors/tn-air-001/readings")).toBe(true);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "refuses a device's publish to another device's topics and its subscriptions to # and $SYS/#, counted",
    async () => {
      const received = await ingest();
      const good = await wellBehavedDevice("tn-air-001");
      const secret = await secured.addDevice("tn-rogue-1");

      // Subscriptions: only its own errors topic; the rest is a SUBACK failure (0x80).
      const rogue = await device("tn-rogue-1", secret);
      await expect(rogue.subscribeAsync("sensors/tn-rogue-1/errors", { qos: 1 })).resolves.toBeDefined();
      for (const filter of ["#", "$SYS/#", "sensors/+/readings", "sensors/tn-air-001/errors"]) {
        await expect(rogue.subscribeAsync(filter, { qos: 1 })).rejects.toMatchObject(DENIED);
      }
      expect(rogue.connected).toBe(true);

      // Publishing as another device closes the connection (MQTT 3.1.1 has no negative PUBACK).
      rogue.publish("sensors/tn-air-001/readings", '{"values":{"pm25":999}}', { qos: 1 });
      await closed(rogue);

      // The same with Mosquitto's clients.
      const subAll = await runCommand("mosquitto_sub", [
        ...mosquittoCredentials("tn-rogue-1", secret),
        "-t",
        "#",
        "-W",
        "5",
      ]);
      expect(subAll.stderr + subAll.stdout).toContain("denied");
      const subSys = await runCommand("mosquitto_sub", [
        ...mosquittoCredentials("tn-rogue-1", secret),
        "-t",
        "$SYS/#",
        "-W",
        "5",
      ]);
      expect(subSys.stderr + subSys.stdout).toContain("denied");
      const spoof = await runCommand("mosquitto_pub", [
        ...mosquittoCredentials("tn-rogue-1", secret),
        "-q",
        "1",
        "-r",
        "-t",
        "sensors/tn-air-001/status",
        "-m",
        "offline",
      ]);
      expect(spoof.code).not.toBe(0);

      expect(
        await secured.counter("envmon_broker_refused_subscriptions_total", { reason: "topic_not_allowed" }),
      ).toBe(6);
      expect(
        await secured.counter("envmon_broker_refused_publishes_total", { reason: "topic_not_allowed" }),
      ).toBe(2);

      // Nothing the rogue sent reached the ingest, and the good device carried on.
      const before = good.acked();
      await waitUntil("more readings from the good device", () => good.acked() >= before + 5 || undefined);
      expect(good.client.connected).toBe(true);
      expect(received.map((p) => p.topic).filter((t) => t !== "sensors/tn-air-001/readings")).toEqual([]);
      expect(received.some((p) => p.payload.toString().includes("999"))).toBe(false);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "refuses a will on another device's topic at CONNECT",
    async () => {
      const secret = await secured.addDevice("tn-air-001");
      const code = await refusalCode(secured.url, {
        clientId: "tn-air-001",
        username: "tn-air-001",
        password: secret,
        will: { topic: "sensors/tn-air-002/status", payload: Buffer.from("offline"), qos: 1, retain: true },
      });
      expect(code).toBe(5);
      expect(await refused("will_not_allowed")).toBe(1);
      // Its own status topic is fine.
      await device("tn-air-001", secret);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "refuses a retained reading (connection closed, counted), also from mosquitto_pub -r and as a will; a retained status is fine",
    async () => {
      const received = await ingest();
      const secret = await secured.addDevice("tn-air-005");
      const retainedReadings = () =>
        secured.counter("envmon_broker_refused_publishes_total", { reason: "retained_reading" });

      const first = await device("tn-air-005", secret);
      await first.publishAsync("sensors/tn-air-005/status", "online", { qos: 1, retain: true });
      // No negative PUBACK in MQTT 3.1.1: the connection closes, as for the broker's other refusals.
      first.publish("sensors/tn-air-005/readings", '{"values":{"pm25":41}}', { qos: 1, retain: true });
      await waitUntil("the broker to close the connection", () => !first.connected || undefined, {
        timeoutMs: 5000,
      });
      expect(await retainedReadings()).toBe(1);

      const pub = await runCommand("mosquitto_pub", [
        ...mosquittoCredentials("tn-air-005", secret),
        "-q",
        "1",
        "-r",
        "-t",
        "sensors/tn-air-005/readings",
        "-m",
        '{"values":{"pm25":42}}',
      ]);
      expect(pub.code).not.toBe(0);
      expect(await retainedReadings()).toBe(2);

      // A will is published later on the device's behalf: a retained reading as a will is refused at CONNECT.
      const will = { topic: "sensors/tn-air-005/readings", payload: Buffer.from('{"values":{"pm25":43}}') };
      expect(
        await refusalCode(secured.url, {
          clientId: "tn-air-005",
          username: "tn-air-005",
          password: secret,
          will: { ...will, qos: 1, retain: true },
        }),
      ).toBe(5);
      expect(await refused("will_not_allowed")).toBe(1);

      // Nothing reached the ingest, and nothing is kept for a later subscriber: the first message a
      // new subscription gets is one published after it (retained ones would come before).
      const late = await service("svc-ingest-late");
      const lateReceived: IPublishPacket[] = [];
      late.on("message", (_topic, _payload, packet) => lateReceived.push(packet));
      await late.subscribeAsync({ "sensors/+/readings": { qos: 1 } });
      const second = await device("tn-air-005", secret);
      await second.publishAsync("sensors/tn-air-005/readings", '{"values":{"pm25":44}}', { qos: 1 });
      await waitUntil(
        "the plain reading on the later subscriber",
        () => lateReceived.length > 0 || undefined,
      );
      expect(lateReceived.map((p) => [p.payload.toString(), p.retain])).toEqual([
        ['{"values":{"pm25":44}}', false],
      ]);
      await waitUntil(
        "the plain reading on the ingest",
        () => received.some((p) => p.topic === "sensors/tn-air-005/readings") || undefined,
      );
      const readings = received.filter((p) => p.topic === "sensors/tn-air-005/readings");
      expect(readings.map((p) => p.payload.toString())).toEqual(['{"values":{"pm25":44}}']);
      expect(second.connected).toBe(true);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "gives the service clients only their own topics",
    async () => {
      const ingestClient = await service("svc-ingest-7");
      await expect(
        ingestClient.subscribeAsync({
          "sensors/+/readings": { qos: 1 },
          "sensors/+/status": { qos: 1 },
          "services/svc-ingest-7/drain": { qos: 1 },
        }),
      ).resolves.toBeDefined();
      for (const filter of ["#", "sensors/#", "services/svc-ingest/drain", "services/readings/stored"]) {
        await expect(ingestClient.subscribeAsync(filter, { qos: 1 })).rejects.toMatchObject(DENIED);
      }
      // Errors back to any device, and its own drain marker.
      await ingestClient.publishAsync("sensors/tn-air-001/errors", "{}", { qos: 1 });
      await ingestClient.publishAsync("services/svc-ingest-7/drain", "marker", { qos: 1 });

      const feed = await service("svc-feed-ab12");
      await expect(feed.subscribeAsync("services/readings/stored", { qos: 0 })).resolves.toBeDefined();
      await expect(feed.subscribeAsync("sensors/+/readings", { qos: 0 })).rejects.toMatchObject(DENIED);
      await feed.publishAsync("services/readings/stored", "[]", { qos: 1 });
      // A feed may not speak for a device.
      feed.publish("sensors/tn-air-001/readings", '{"values":{"pm25":1}}', { qos: 1 });
      await closed(feed);
      // Nor may the ingest.
      ingestClient.publish("sensors/tn-air-001/readings", '{"values":{"pm25":1}}', { qos: 1 });
      await closed(ingestClient);
      expect(
        await secured.counter("envmon_broker_refused_publishes_total", { reason: "topic_not_allowed" }),
      ).toBe(2);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "revokes a connected device at once: connection closed, the reconnection refused, nothing more published",
    async () => {
      const received = await ingest();
      const good = await wellBehavedDevice("tn-air-001");
      const secret = await secured.addDevice("tn-air-002");
      // Like real firmware: reconnects by itself and keeps publishing.
      const revoked = await device("tn-air-002", secret, { reconnectPeriod: 100 });
      const errors: Error[] = [];
      revoked.on("error", (error) => errors.push(error));
      await revoked.publishAsync("sensors/tn-air-002/readings", '{"values":{"pm25":1}}', { qos: 1 });
      await waitUntil(
        "the first reading",
        () => received.some((p) => p.topic === "sensors/tn-air-002/readings") || undefined,
      );

      await secured.setLifecycle("tn-air-002", "decommissioned");
      secured.broker.revokeDevice("tn-air-002");
      await closed(revoked);
      const receivedBefore = received.filter((p) => p.topic === "sensors/tn-air-002/readings").length;
      revoked.publish("sensors/tn-air-002/readings", '{"values":{"pm25":2}}', { qos: 1 });

      await waitUntil(
        "the reconnection to be refused",
        () => errors.some((e) => (e as { code?: number }).code === 5) || undefined,
      );
      revoked.end(true);
      // Closed once: by the call, or by the periodic recheck if it read the change first.
      const revokedBy = async (reason: string) =>
        secured.counter("envmon_broker_revoked_connections_total", { reason });
      expect((await revokedBy("revoked")) + (await revokedBy("decommissioned"))).toBe(1);
      expect(await refused("decommissioned")).toBeGreaterThanOrEqual(1);
      const before = good.acked();
      await waitUntil("more readings from the good device", () => good.acked() >= before + 5 || undefined);
      expect(received.filter((p) => p.topic === "sensors/tn-air-002/readings")).toHaveLength(receivedBefore);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "lets in a device whose secret still has a legacy scrypt hash, rewrites it as HMAC, and keeps the connection",
    async () => {
      await secured.addDevice("tn-air-003");
      const secret = "legacy-secret-issued-before-issue-11-0123456";
      const legacy = await hashPassword(secret, { N: 2 ** 10, r: 8, p: 1 });
      await secured.fixture.metadata
        .updateTable("device_credentials")
        .set({ secret_hash: legacy })
        .where("device_id", "=", "tn-air-003")
        .execute();
      const storedHash = async () =>
        (
          await secured.fixture.metadata
            .selectFrom("device_credentials")
            .select("secret_hash")
            .where("device_id", "=", "tn-air-003")
            .executeTakeFirstOrThrow()
        ).secret_hash;

      const client = await device("tn-air-003", secret);
      const upgraded = createDeviceSecretHasher(TEST_DEVICE_SECRET_KEY).hash(secret);
      expect(await storedHash()).toBe(upgraded);
      // The broker's recheck (every 500 ms here) sees the credential the connection used: it stays.
      await new Promise((resolve) => setTimeout(resolve, 1200));
      expect(client.connected).toBe(true);
      expect(
        await secured.counter("envmon_broker_revoked_connections_total", { reason: "credentials_rotated" }),
      ).toBe(0);
      await client.endAsync();
      // The same secret keeps working against the HMAC form; a wrong one does not.
      await (await device("tn-air-003", secret)).endAsync();
      expect(
        await refusalCode(secured.url, { clientId: "tn-air-003", username: "tn-air-003", password: legacy }),
      ).toBe(4);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "closes within seconds the connection of a device decommissioned by another process, also for mosquitto_sub",
    async () => {
      const secret = await secured.addDevice("tn-air-002");
      const sub = startCommand("mosquitto_sub", [
        ...mosquittoCredentials("tn-air-002", secret),
        "-t",
        "sensors/tn-air-002/errors",
        "-v",
      ]);
      cleanups.add(() => sub.kill());
      await waitUntil(
        "mosquitto_sub to connect",
        async () => (await secured.gauge("envmon_broker_connected_devices")) === 1 || undefined,
      );

      // Only the database changes: no call into the broker.
      await secured.setLifecycle("tn-air-002", "decommissioned");
      const result = await sub.finished;
      expect(result.code).not.toBe(0);
      expect(
        await secured.counter("envmon_broker_revoked_connections_total", { reason: "decommissioned" }),
      ).toBe(1);
      // mosquitto_sub reconnects by itself and is refused: not authorised.
      expect(`${result.stderr}${result.stdout}`.toLowerCase()).toContain("not authori");
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "closes the connections of a device whose secret was rotated or revoked elsewhere; the new secret works",
    async () => {
      const secret = await secured.addDevice("tn-air-002");
      const first = await device("tn-air-002", secret);
      // Another process (the API) rotates the secret.
      const elsewhere = createDeviceCredentials(
        secured.fixture.metadata,
        { now: () => Date.now() },
        { secretKey: TEST_DEVICE_SECRET_KEY },
      );
      const rotated = await elsewhere.issue("tn-air-002");
      await closed(first);
      expect(
        await secured.counter("envmon_broker_revoked_connections_total", { reason: "credentials_rotated" }),
      ).toBe(1);
      expect(
        await refusalCode(secured.url, { clientId: "tn-air-002", username: "tn-air-002", password: secret }),
      ).toBe(4);

      const second = await device("tn-air-002", rotated);
      await elsewhere.revoke("tn-air-002");
      // The process that revoked tells its broker at once instead of waiting for the recheck.
      await secured.broker.invalidateDevice("tn-air-002");
      await closed(second);
      expect(
        await secured.counter("envmon_broker_revoked_connections_total", { reason: "credentials_revoked" }),
      ).toBe(1);
      expect(
        await refusalCode(secured.url, { clientId: "tn-air-002", username: "tn-air-002", password: rotated }),
      ).toBe(4);
    },
    TEST_TIMEOUT_MS,
  );
});
