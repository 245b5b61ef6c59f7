/**
 * Split layouts: the parts as processes of the same code (PARTS), sharing DATA_DIR as the
 * containers of docker-compose.yml share a volume, and one MQTT_SERVICE_PASSWORD for the service's
 * own MQTT clients. A device the API process registers is let in by the broker process; its
 * reading is stored (by the ingest at the broker's edge, or by an ingest process subscribed to
 * the broker) and served live and over REST by the API. docker-compose.yml runs the second layout.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectAsync, type MqttClient } from "mqtt";
import { io, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LIVE_READINGS_EVENT } from "../kernel/api-contract.js";
import { getJson, getText } from "./support/http-json.js";
import { pollUntil } from "./support/poll.js";
import {
  deviceMqttOptions,
  randomPassword,
  type ServiceProcess,
  startServiceProcess,
} from "./support/service-process.js";

const TEST_TIMEOUT_MS = 120_000;
const DEVICE_ID = "split-001";
const LAYOUTS = [
  { layout: "broker, ingest and API in separate processes", parts: ["broker", "ingest", "api"] },
  { layout: "the broker with the ingest at its edge, the API apart", parts: ["broker,ingest", "api"] },
] as const;

describe.each(LAYOUTS)("$layout", ({ parts }) => {
  const dataDir = mkdtempSync(join(tmpdir(), "envmon-split-"));
  const processes: ServiceProcess[] = [];
  let broker: ServiceProcess;
  let api: ServiceProcess;
  let device: MqttClient | undefined;
  let socket: Socket | undefined;

  beforeAll(async () => {
    // Parts apart cannot make up a service password each: the broker must know the clients'.
    const servicePassword = { MQTT_SERVICE_PASSWORD: randomPassword() };
    const [brokerParts, ...others] = parts;
    broker = await startServiceProcess({ dataDir, env: { ...servicePassword, PARTS: brokerParts } });
    processes.push(broker);
    const shared = { ...servicePassword, MQTT_URL: broker.mqttUrl };
    for (const part of others)
      processes.push(await startServiceProcess({ dataDir, env: { ...shared, PARTS: part } }));
    api = processes.at(-1) as ServiceProcess;
  }, TEST_TIMEOUT_MS);

  afterAll(async () => {
    socket?.close();
    await device?.endAsync(true);
    // The API and ingest first: they are the broker's clients.
    const codes: (number | null)[] = [];
    for (const part of [...processes].reverse()) codes.push(await part.stop());
    rmSync(dataDir, { recursive: true, force: true });
    expect(codes).toEqual(processes.map(() => 0));
  }, TEST_TIMEOUT_MS);

  it("every part answers its health checks", async () => {
    for (const part of processes) {
      const ready = await getJson<{ ready: boolean; checks: Record<string, boolean> }>(
        `${part.httpUrl}/readyz`,
      );
      expect(ready.status, part.output()).toBe(200);
      expect(ready.body.ready).toBe(true);
    }
    const brokerChecks = await getJson<{ checks: Record<string, boolean> }>(`${broker.httpUrl}/readyz`);
    expect(Object.keys(brokerChecks.body.checks)).toContain("broker");
  });

  it("every part serves /metrics only to the METRICS_TOKEN bearer, the health servers as the API", async () => {
    for (const part of processes) {
      const anonymous = await getText(`${part.httpUrl}/metrics`);
      expect(anonymous.status, part.output()).toBe(401);
      expect(anonymous.text).not.toContain("process_cpu");
      const wrong = await getText(`${part.httpUrl}/metrics`, { authorization: "Bearer wrong-metrics-token" });
      expect(wrong.status).toBe(401);
      const scraped = await getText(`${part.httpUrl}/metrics`, part.metricsHeaders());
      expect(scraped.status).toBe(200);
      expect(scraped.text).toContain("process_cpu");
    }
    expect((await getText(`${broker.httpUrl}/metrics`, broker.metricsHeaders())).text).toContain(
      "envmon_broker_connected_clients",
    );
  });

  it("a part started alone without MQTT_SERVICE_PASSWORD refuses to start rather than make one up", async () => {
    await expect(
      startServiceProcess({ dataDir, env: { PARTS: "ingest", MQTT_URL: broker.mqttUrl } }),
    ).rejects.toThrow(/service exited with \d[\s\S]*MQTT_SERVICE_PASSWORD/);
  });

  it(
    "a reading published to the broker process is live on the API process and stored",
    async () => {
      const secret = await api.registerDevice({ id: DEVICE_ID });
      socket = io(`${api.httpUrl}/ops`, {
        transports: ["websocket"],
        reconnection: false,
        auth: await api.socketAuth(),
      });
      const live: unknown[] = [];
      socket.on(LIVE_READINGS_EVENT, (frame: Array<{ deviceId: string }>) => {
        live.push(...frame.filter((event) => event.deviceId === DEVICE_ID));
      });
      expect(await socket.timeout(15_000).emitWithAck("subscribe", { devices: [DEVICE_ID] })).toEqual({
        ok: true,
      });

      device = await connectAsync(broker.mqttUrl, {
        ...deviceMqttOptions(DEVICE_ID, secret),
        reconnectPeriod: 0,
      });
      await device.publishAsync(`sensors/${DEVICE_ID}/readings`, JSON.stringify({ values: { pm25: 17.5 } }), {
        qos: 1,
      });

      await pollUntil("the live reading on the API process", () => live[0]);
      const latest = await getJson<{ devices: { values: Record<string, { value: number }> }[] }>(
        `${api.httpUrl}/api/v1/latest?device=${DEVICE_ID}`,
        await api.authHeaders(),
      );
      expect(latest.body.devices[0]?.values.pm25?.value).toBe(17.5);
    },
    TEST_TIMEOUT_MS,
  );
});
