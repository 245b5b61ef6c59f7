import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { connect as connectTcp } from "node:net";
import { connect, type IClientOptions, type IPublishPacket, type MqttClient } from "mqtt";
import { afterEach, describe, expect, it } from "vitest";
import { createCleanupList } from "../test/support/cleanup-list.js";
import { startSecuredBroker } from "../test/support/secured-broker.js";
import { waitUntil } from "../test/support/wait-until.js";
import { MQTT_WEBSOCKET_PATH, type MqttBroker } from "./broker.js";

const TEST_TIMEOUT_MS = 60_000;

interface Harness {
  readonly broker: MqttBroker;
  readonly tcpUrl: string;
  readonly wsUrl: string;
  /** A connected client; closed after the test. */
  client(url: string, options?: IClientOptions): Promise<MqttClient>;
  /** A registered device with its own secret, connected. */
  device(url: string, deviceId: string, options?: IClientOptions): Promise<MqttClient>;
  /** One of the service's own clients (svc-ingest…, svc-feed…), connected. */
  service(url: string, clientId: string): Promise<MqttClient>;
  gauge(name: string): Promise<number>;
}

describe("MQTT broker (Aedes)", () => {
  const cleanups = createCleanupList();

  afterEach(async () => {
    await cleanups.runAll();
  }, TEST_TIMEOUT_MS);

  async function start(): Promise<Harness> {
    const secured = await startSecuredBroker();
    cleanups.add(() => secured.close());
    const http: HttpServer = createServer((_request, response) => response.writeHead(404).end());
    secured.broker.attachWebSocket(http);
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    cleanups.add(
      () =>
        new Promise<void>((resolve) => {
          http.closeAllConnections();
          http.close(() => resolve());
        }),
    );
    const httpPort = (http.address() as AddressInfo).port;
    const client = async (url: string, options: IClientOptions = {}) => {
      const mqttClient = connect(url, { reconnectPeriod: 0, connectTimeout: 10_000, ...options });
      cleanups.add(() => mqttClient.endAsync(true));
      await new Promise<void>((resolve, reject) => {
        mqttClient.once("connect", () => resolve());
        mqttClient.once("error", reject);
        mqttClient.once("close", () => reject(new Error(`connection to ${url} closed before CONNACK`)));
      });
      return mqttClient;
    };
    return {
      broker: secured.broker,
      tcpUrl: secured.url,
      wsUrl: `ws://127.0.0.1:${httpPort}${MQTT_WEBSOCKET_PATH}`,
      client,
      async device(url, deviceId, options = {}) {
        const secret = await secured.addDevice(deviceId);
        return client(url, { clientId: deviceId, username: deviceId, password: secret, ...options });
      },
      service: (url, clientId) =>
        client(url, { clientId, username: clientId, password: secured.servicePassword }),
      gauge: (name) => secured.gauge(name),
    };
  }

  /** Collects messages of a client from now on. */
  function collect(client: MqttClient): IPublishPacket[] {
    const packets: IPublishPacket[] = [];
    client.on("message", (_topic, _payload, packet) => packets.push(packet));
    return packets;
  }

  /**
   * Subscribes a fresh service client to the status topics (the only filter it may use) and
   * resolves with the first message on `topic`, retained or live.
   */
  async function firstStatusOn(harness: Harness, topic: string): Promise<IPublishPacket> {
    const watcher = await harness.service(
      harness.tcpUrl,
      `svc-ingest-watch-${Math.random().toString(36).slice(2)}`,
    );
    const packets = collect(watcher);
    await watcher.subscribeAsync("sensors/+/status", { qos: 1 });
    const first = await waitUntil(`a message on ${topic}`, () => packets.find((p) => p.topic === topic));
    await watcher.endAsync();
    return first;
  }

  it(
    "listens for MQTT over TCP on a port the system chose",
    async () => {
      const harness = await start();
      expect(harness.tcpUrl).not.toMatch(/:0$/);
      expect(harness.broker.isReady()).toBe(true);
      const subscriber = await harness.service(harness.tcpUrl, "svc-ingest");
      const received = collect(subscriber);
      await subscriber.subscribeAsync("sensors/+/readings", { qos: 1 });
      const device = await harness.device(harness.tcpUrl, "tn-air-001");
      await device.publishAsync("sensors/tn-air-001/readings", '{"values":{"pm25":1}}', { qos: 1 });
      await waitUntil("the reading on the subscriber", () => received.length === 1 || undefined);
      expect(received[0]?.payload.toString()).toBe('{"values":{"pm25":1}}');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "serves MQTT over WebSocket at /mqtt: a ws:// device reaches a TCP subscriber and back",
    async () => {
      const harness = await start();
      const tcpSubscriber = await harness.service(harness.tcpUrl, "svc-ingest");
      const fromWs = collect(tcpSubscriber);
      await tcpSubscriber.subscribeAsync("sensors/+/readings", { qos: 1 });
      const wsDevice = await harness.device(harness.wsUrl, "ws-dev-1");
      const toWs = collect(wsDevice);
      await wsDevice.subscribeAsync("sensors/ws-dev-1/errors", { qos: 1 });

      await wsDevice.publishAsync("sensors/ws-dev-1/readings", '{"values":{"noise":55}}', { qos: 1 });
      await waitUntil("the WebSocket device's reading over TCP", () => fromWs.length === 1 || undefined);
      expect(fromWs[0]).toMatchObject({ topic: "sensors/ws-dev-1/readings", qos: 1 });
      expect(fromWs[0]?.payload.toString()).toBe('{"values":{"noise":55}}');

      await tcpSubscriber.publishAsync("sensors/ws-dev-1/errors", '{"rejected":1}', { qos: 0 });
      await waitUntil("the TCP message on the WebSocket device", () => toWs.length === 1 || undefined);
      expect(toWs[0]?.payload.toString()).toBe('{"rejected":1}');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "marks a device offline (retained) when its connection disconnects cleanly",
    async () => {
      const harness = await start();
      const device = await harness.device(harness.tcpUrl, "x");
      await device.publishAsync("sensors/x/status", "online", { qos: 1, retain: true });
      await device.publishAsync("sensors/x/readings", '{"values":{"pm25":3}}', { qos: 1 });
      expect((await firstStatusOn(harness, "sensors/x/status")).payload.toString()).toBe("online");
      await device.endAsync();

      const status = await waitUntil("the retained status to turn offline", async () => {
        const packet = await firstStatusOn(harness, "sensors/x/status");
        return packet.payload.toString() === "offline" ? packet : undefined;
      });
      expect(status.retain).toBe(true);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "publishes a device's retained will when its connection drops",
    async () => {
      const harness = await start();
      // This client never publishes, so only its will can say anything about sensors/w/status.
      const device = await harness.device(harness.tcpUrl, "w", {
        will: { topic: "sensors/w/status", payload: Buffer.from("offline"), qos: 1, retain: true },
      });
      device.stream.destroy();
      const status = await firstStatusOn(harness, "sensors/w/status");
      expect(status.payload.toString()).toBe("offline");
      const again = await firstStatusOn(harness, "sensors/w/status");
      expect(again.retain).toBe(true);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "counts connected clients and devices (clients without the service prefix)",
    async () => {
      const harness = await start();
      const counts = async () => [
        await harness.gauge("envmon_broker_connected_clients"),
        await harness.gauge("envmon_broker_connected_devices"),
      ];
      expect(await counts()).toEqual([0, 0]);
      await harness.service(harness.tcpUrl, "svc-ingest");
      const deviceA = await harness.device(harness.tcpUrl, "tn-air-001");
      await harness.device(harness.wsUrl, "tn-air-002");
      await waitUntil(
        "3 clients, 2 devices",
        async () => JSON.stringify(await counts()) === "[3,2]" || undefined,
      );
      await deviceA.endAsync();
      await waitUntil(
        "2 clients, 1 device",
        async () => JSON.stringify(await counts()) === "[2,1]" || undefined,
      );
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "drops and counts a connection that sends garbage instead of MQTT",
    async () => {
      const harness = await start();
      const port = Number(new URL(harness.tcpUrl).port);
      const socket = connectTcp({ port, host: "127.0.0.1" });
      cleanups.add(() => socket.destroy());
      await new Promise<void>((resolve, reject) => {
        socket.once("connect", resolve);
        socket.once("error", reject);
      });
      const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
      socket.on("error", () => {});
      socket.write(Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
      await closed;
      await waitUntil(
        "the error to be counted",
        async () => (await harness.gauge("envmon_broker_client_errors_total")) >= 1 || undefined,
      );
      expect(harness.broker.isReady()).toBe(true);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "stopAcceptingDevices disconnects devices, keeps service clients and refuses new connections",
    async () => {
      const harness = await start();
      const service = await harness.service(harness.tcpUrl, "svc-ingest");
      const serviceMessages = collect(service);
      await service.subscribeAsync("services/svc-ingest/drain", { qos: 1 });
      const tcpDevice = await harness.device(harness.tcpUrl, "tn-air-001");
      const wsDevice = await harness.device(harness.wsUrl, "tn-air-002");
      // A client whose id merely contains the prefix is still a device.
      const lookalike = await harness.device(harness.tcpUrl, "dev-svc-1");
      const closedDevices = [tcpDevice, wsDevice, lookalike].map(
        (client) => new Promise<void>((resolve) => client.once("close", () => resolve())),
      );
      let serviceClosed = false;
      service.on("close", () => {
        serviceClosed = true;
      });

      await harness.broker.stopAcceptingDevices();
      await Promise.all(closedDevices);
      expect([tcpDevice.connected, wsDevice.connected, lookalike.connected]).toEqual([false, false, false]);

      // The service client is still served: a QoS 1 round trip through the broker.
      await service.publishAsync("services/svc-ingest/drain", "marker-1", { qos: 1 });
      await waitUntil(
        "the service's own marker",
        () => serviceMessages.some((p) => p.payload.toString() === "marker-1") || undefined,
      );
      expect(serviceClosed).toBe(false);
      expect(service.connected).toBe(true);
      await waitUntil("only the service counted", async () =>
        (await harness.gauge("envmon_broker_connected_clients")) === 1 &&
        (await harness.gauge("envmon_broker_connected_devices")) === 0
          ? true
          : undefined,
      );

      // New connections are refused, over TCP and WebSocket, devices and services alike.
      await expect(harness.device(harness.tcpUrl, "tn-air-003")).rejects.toThrow();
      await expect(harness.service(harness.tcpUrl, "svc-feed-late")).rejects.toThrow();
      await expect(harness.device(harness.wsUrl, "tn-air-004")).rejects.toThrow();
      expect(service.connected).toBe(true);
    },
    TEST_TIMEOUT_MS,
  );
});
