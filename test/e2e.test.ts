/**
 * End to end with clients the project did not write: mosquitto_pub on MQTT TCP, mqtt.js on MQTT
 * TCP and over WebSocket, socket.io-client on /ops, plain fetch on the REST API. Security is on:
 * devices are registered by the admin and connect with their own secret, the API and /ops need
 * the admin's token.
 */
import { rmSync } from "node:fs";
import { connectAsync, type MqttClient } from "mqtt";
import { io, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LIVE_READINGS_EVENT } from "../kernel/api-contract.js";
import { runCommand } from "./support/command-line-client.js";
import { getJson, getText } from "./support/http-json.js";
import { pollUntil, withTimeout } from "./support/poll.js";
import { labelledSample } from "./support/prometheus-text.js";
import {
  deviceMqttOptions,
  mosquittoDeviceArgs,
  type ServiceProcess,
  startServiceProcess,
  TEST_AREA,
} from "./support/service-process.js";

const TEST_TIMEOUT_MS = 90_000;
const DEVICE_ID = "e2e-001";
const OTHER_DEVICE_ID = "e2e-other";
const WS_DEVICE_ID = "e2e-ws-001";
const DEVICE_NAME = "Trạm không khí E2E";
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

interface LiveReading {
  deviceId: string;
  area: string | null;
  ts: string;
  values: Record<string, number>;
}

interface DeviceBody {
  id: string;
  name: string;
  area: string | null;
  registered: boolean;
  status: string;
  statusAt: string | null;
  lastSeen: string | null;
}

describe("service end to end with third-party clients", () => {
  let service: ServiceProcess | undefined;
  const sockets: Socket[] = [];
  const mqttClients: MqttClient[] = [];
  /** Device id → MQTT secret, as POST /api/v1/devices issued them. */
  const secrets = new Map<string, string>();
  const secretOf = (deviceId: string): string => {
    const secret = secrets.get(deviceId);
    if (secret === undefined) throw new Error(`${deviceId} is not registered`);
    return secret;
  };

  const running = (): ServiceProcess => {
    if (!service) throw new Error("service not started");
    return service;
  };
  const mqttPort = () => new URL(running().mqttUrl).port;
  const api = (path: string) => `${running().httpUrl}${path}`;
  /** GET on /api/v1 as the admin. */
  const getApi = async <T = unknown>(path: string) => getJson<T>(api(path), await running().authHeaders());

  /** A socket.io-client on /ops whose every reading event is recorded. */
  async function operatorWatching(
    subscription: object,
  ): Promise<{ socket: Socket; readings: LiveReading[] }> {
    const socket = io(`${running().httpUrl}/ops`, {
      transports: ["websocket"],
      reconnection: false,
      auth: await running().socketAuth(),
    });
    sockets.push(socket);
    const readings: LiveReading[] = [];
    socket.on(LIVE_READINGS_EVENT, (frame: LiveReading[]) => readings.push(...frame));
    const answer: unknown = await socket.timeout(15_000).emitWithAck("subscribe", subscription);
    expect(answer).toEqual({ ok: true });
    return { socket, readings };
  }

  /** mosquitto_pub connecting as the device, with its secret. */
  const mosquittoPub = (deviceId: string, topic: string, message: string) =>
    runCommand("mosquitto_pub", [
      ...["-h", "127.0.0.1", "-p", mqttPort(), ...mosquittoDeviceArgs(deviceId, secretOf(deviceId))],
      ...["-q", "1", "-t", topic, "-m", message],
    ]);

  beforeAll(async () => {
    service = await startServiceProcess({ env: { DEMO: "0" } });
    secrets.set(DEVICE_ID, await service.registerDevice({ id: DEVICE_ID, name: DEVICE_NAME }));
    secrets.set(OTHER_DEVICE_ID, await service.registerDevice({ id: OTHER_DEVICE_ID }));
    secrets.set(WS_DEVICE_ID, await service.registerDevice({ id: WS_DEVICE_ID }));
  }, TEST_TIMEOUT_MS);

  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await Promise.all(mqttClients.map((client) => client.endAsync(true)));
    if (service) {
      const code = await service.stop();
      rmSync(service.dataDir, { recursive: true, force: true });
      expect(code, service.output()).toBe(0);
    }
  }, TEST_TIMEOUT_MS);

  it(
    "delivers a mosquitto_pub reading live to the operator watching that device, then serves it over REST",
    async () => {
      const watcher = await operatorWatching({ devices: [DEVICE_ID] });
      const bystander = await operatorWatching({ devices: [OTHER_DEVICE_ID] });
      const sentAt = Date.now();

      const published = await mosquittoPub(
        DEVICE_ID,
        `sensors/${DEVICE_ID}/readings`,
        '{"values":{"pm25":42.5,"temperature":31.2}}',
      );
      expect(published.code, published.stderr).toBe(0);

      const live = await pollUntil("the live reading event", () => watcher.readings[0]);
      expect(live).toEqual({
        deviceId: DEVICE_ID,
        area: TEST_AREA.code,
        ts: expect.stringMatching(ISO_UTC),
        values: { pm25: 42.5, temperature: 31.2 },
      });
      // No ts in the payload: the service stamps the receive time.
      const ts = Date.parse(live.ts);
      expect(ts).toBeGreaterThanOrEqual(sentAt - 1000);
      expect(ts).toBeLessThanOrEqual(Date.now() + 1000);

      const latest = await getApi(`/api/v1/latest?device=${DEVICE_ID}`);
      expect(latest.status).toBe(200);
      expect(latest.body).toEqual({
        devices: [
          {
            deviceId: DEVICE_ID,
            values: { pm25: { value: 42.5, ts: live.ts }, temperature: { value: 31.2, ts: live.ts } },
          },
        ],
      });

      const raw = await getApi<{ step: number | null; unit: string; points: unknown[] }>(
        `/api/v1/readings?device=${DEVICE_ID}&metric=pm25`,
      );
      expect(raw.status).toBe(200);
      expect(raw.body).toMatchObject({ device: DEVICE_ID, metric: "pm25", unit: "µg/m³", step: null });
      expect(raw.body.points).toEqual([{ ts: live.ts, value: 42.5 }]);

      const bucketed = await getApi<{ step: number | null; points: unknown[] }>(
        `/api/v1/readings?device=${DEVICE_ID}&metric=pm25&step=1m`,
      );
      expect(bucketed.status).toBe(200);
      expect(bucketed.body.step).toBe(60_000);
      const bucketStart = new Date(Math.floor(ts / 60_000) * 60_000).toISOString();
      expect(bucketed.body.points).toEqual([{ ts: bucketStart, mean: 42.5, min: 42.5, max: 42.5, count: 1 }]);

      // Registered by the admin before it could connect at all (unknown devices are refused at CONNECT).
      const device = await getApi<DeviceBody>(`/api/v1/devices/${DEVICE_ID}`);
      expect(device.status).toBe(200);
      expect(device.body).toMatchObject({
        id: DEVICE_ID,
        name: DEVICE_NAME,
        area: TEST_AREA.code,
        registered: true,
        lastSeen: live.ts,
      });

      // mosquitto_pub has exited, so the broker saw the device go away.
      const offline = await pollUntil("the device to be marked offline", async () => {
        const { body } = await getApi<DeviceBody>(`/api/v1/devices/${DEVICE_ID}`);
        return body.status === "offline" ? body : undefined;
      });
      expect(offline.statusAt).toMatch(ISO_UTC);
      expect(offline.lastSeen).toBe(live.ts);

      // A reading of the other device reaches the bystander; events on one socket arrive in order,
      // so had the first reading been sent to it, it would be there already.
      const other = await mosquittoPub(
        OTHER_DEVICE_ID,
        `sensors/${OTHER_DEVICE_ID}/readings`,
        '{"values":{"noise":55.5}}',
      );
      expect(other.code, other.stderr).toBe(0);
      await pollUntil("the bystander's own reading", () => bystander.readings[0]);
      expect(bystander.readings.map((r) => r.deviceId)).toEqual([OTHER_DEVICE_ID]);
      expect(bystander.readings[0]?.values).toEqual({ noise: 55.5 });
      expect(watcher.readings.map((r) => r.deviceId)).toEqual([DEVICE_ID]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "tells a device about an unknown metric on its errors topic and keeps it as a dead letter",
    async () => {
      const errorsTopic = `sensors/${DEVICE_ID}/errors`;
      // The client id must be the device id, so a device hears its errors on the connection it
      // publishes on: one mqtt.js client here (each mosquitto tool would take the other's session).
      const device = await connectAsync(running().mqttUrl, {
        ...deviceMqttOptions(DEVICE_ID, secretOf(DEVICE_ID)),
        reconnectPeriod: 0,
        connectTimeout: 15_000,
      });
      mqttClients.push(device);
      const reports: string[] = [];
      device.on("message", (topic, payload) => {
        if (topic === errorsTopic) reports.push(payload.toString("utf8"));
      });
      const granted = await device.subscribeAsync(errorsTopic, { qos: 1 });
      expect(granted.map((g) => g.qos)).toEqual([1]);
      await device.publishAsync(`sensors/${DEVICE_ID}/readings`, '{"values":{"radon":7.5}}', { qos: 1 });
      const reportText = await pollUntil("the error report on the device's errors topic", () => reports[0]);
      const report = JSON.parse(reportText) as unknown;
      expect(report).toEqual({
        at: expect.stringMatching(ISO_UTC),
        topic: `sensors/${DEVICE_ID}/readings`,
        rejected: 1,
        errors: [{ reason: "unknown_metric", message: expect.stringContaining("radon"), metric: "radon" }],
      });
      await device.endAsync();

      const rejected = await getApi<{ rejected: Array<Record<string, unknown>> }>(
        `/api/v1/rejected?device=${DEVICE_ID}`,
      );
      expect(rejected.status).toBe(200);
      expect(rejected.body.rejected).toEqual([
        expect.objectContaining({
          deviceId: DEVICE_ID,
          topic: `sensors/${DEVICE_ID}/readings`,
          reason: "unknown_metric",
          metric: "radon",
          message: expect.stringContaining("radon"),
          receivedAt: expect.stringMatching(ISO_UTC),
          truncated: false,
        }),
      ]);

      const metrics = await getText(api("/metrics"), running().metricsHeaders());
      expect(metrics.status).toBe(200);
      expect(
        labelledSample(metrics.text, "envmon_ingest_rejected_total", { reason: "unknown_metric" }),
      ).toBeGreaterThanOrEqual(1);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "accepts MQTT over WebSocket on the HTTP port",
    async () => {
      const deviceId = WS_DEVICE_ID;
      const httpPort = new URL(running().httpUrl).port;
      const client = await connectAsync(`ws://127.0.0.1:${httpPort}/mqtt`, {
        ...deviceMqttOptions(deviceId, secretOf(deviceId)),
        reconnectPeriod: 0,
        connectTimeout: 15_000,
      });
      mqttClients.push(client);
      const ts = new Date(Date.now() - 60_000).toISOString();
      await client.publishAsync(
        `sensors/${deviceId}/readings`,
        JSON.stringify({ ts, values: { humidity: 64 } }),
        {
          qos: 1,
        },
      );

      const points = await pollUntil("the WebSocket reading over REST", async () => {
        const { body } = await getApi<{ points: unknown[] }>(
          `/api/v1/readings?device=${deviceId}&metric=humidity`,
        );
        return body.points.length > 0 ? body.points : undefined;
      });
      expect(points).toEqual([{ ts, value: 64 }]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "refuses a device that was not registered, an API call and an /ops socket without a token",
    async () => {
      // Before security an unknown device was taken in and listed as registered: false.
      const stranger = await runCommand("mosquitto_pub", [
        ...["-h", "127.0.0.1", "-p", mqttPort(), "-i", "e2e-stranger", "-u", "e2e-stranger", "-P", "guess"],
        ...["-q", "1", "-t", "sensors/e2e-stranger/readings", "-m", '{"values":{"pm25":1}}'],
      ]);
      expect(stranger.code).not.toBe(0);
      expect(stranger.stderr).toMatch(/bad user name or password/i);
      const unknown = await getApi<DeviceBody>("/api/v1/devices/e2e-stranger");
      expect(unknown.status).toBe(404);

      const anonymous = await getJson(api(`/api/v1/latest?device=${DEVICE_ID}`));
      expect(anonymous.status).toBe(401);

      const socket = io(`${running().httpUrl}/ops`, { transports: ["websocket"], reconnection: false });
      sockets.push(socket);
      const refusal = await withTimeout(
        "the /ops handshake without a token to be refused",
        new Promise<Error>((resolve) => socket.once("connect_error", resolve)),
        15_000,
      );
      expect(refusal.message).toBe("unauthorized");
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "answers health, readiness and API documentation",
    async () => {
      const health = await getJson(api("/healthz"));
      expect(health).toMatchObject({ status: 200, body: { status: "ok" } });

      const ready = await getJson(api("/readyz"));
      expect(ready).toMatchObject({
        status: 200,
        body: { ready: true, checks: { broker: true, store: true, ingest: true } },
      });

      const docs = await getText(api("/docs"));
      expect(docs.status).toBe(200);
      expect(docs.contentType).toContain("text/html");
      expect(docs.text.toLowerCase()).toContain("<html");

      const openApi = await getJson<{ openapi: string; paths: Record<string, unknown> }>(api("/docs/json"));
      expect(openApi.status).toBe(200);
      expect(openApi.body.openapi).toMatch(/^3\./);
      expect(Object.keys(openApi.body.paths)).toEqual(
        expect.arrayContaining([
          "/api/v1/readings",
          "/api/v1/latest",
          "/api/v1/devices/{id}",
          "/api/v1/rejected",
        ]),
      );
    },
    TEST_TIMEOUT_MS,
  );
});
