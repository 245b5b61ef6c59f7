import net from "node:net";
import mqtt from "mqtt";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { isMetricKey, type MetricKey, metricDefinition } from "../kernel/catalogue.js";
import type { SimulatedDevice } from "./device-stream.js";
import { fleetOfSize } from "./fleet-scaling.js";
import { createFleetSimulator, type FleetSimulator } from "./fleet-simulator.js";
import { NO_FAULTS } from "./sensor-faults.js";
import { TAY_NINH_SIMULATED_FLEET } from "./tay-ninh-fleet.js";
import {
  type MessageRecorder,
  type RecordedMessage,
  recordMessages,
  startTestBroker,
  type TestBroker,
} from "./test-broker.js";

const readingSchema = z.object({
  ts: z.number().int(),
  values: z.record(z.string(), z.number()),
});
const readingsPayloadSchema = z.union([readingSchema, z.array(readingSchema).min(1).max(1000)]);

const pick = (...ids: string[]): SimulatedDevice[] =>
  ids.map((id) => {
    const device = TAY_NINH_SIMULATED_FLEET.find((candidate) => candidate.profile.id === id);
    if (!device) throw new Error(`no device ${id}`);
    return device;
  });

const deviceOf = (message: RecordedMessage) => message.topic.split("/")[1] as string;
const ofKind = (messages: readonly RecordedMessage[], kind: "readings" | "status") =>
  messages.filter((message) => message.topic.endsWith(`/${kind}`));

/** Retained status of every device, as a fresh subscriber sees it. */
async function retainedStatuses(url: string, ids: readonly string[]): Promise<Record<string, string>> {
  const recorder = await recordMessages(url, ["sensors/+/status"]);
  try {
    const messages = await recorder.waitFor(
      (all) => ids.every((id) => all.some((m) => deviceOf(m) === id)),
      5000,
    );
    expect(messages.every((message) => message.retain)).toBe(true);
    return Object.fromEntries(messages.map((message) => [deviceOf(message), message.payload]));
  } finally {
    await recorder.close();
  }
}

describe("fleet simulator against a real Aedes broker", () => {
  let broker: TestBroker;
  let recorder: MessageRecorder | null = null;
  let simulator: FleetSimulator | null = null;

  beforeAll(async () => {
    broker = await startTestBroker();
  });

  afterEach(async () => {
    await simulator?.stop();
    await recorder?.close();
    simulator = null;
    recorder = null;
  });

  afterAll(async () => {
    await broker.close();
  });

  it("publishes valid readings, announces online, and leaves a retained offline on stop", async () => {
    const devices = pick("tn-air-001", "tn-wl-003", "tn-wq-004");
    const ids = devices.map((device) => device.profile.id);
    recorder = await recordMessages(broker.url, ["sensors/+/readings", "sensors/+/status"]);
    simulator = createFleetSimulator({
      brokerUrl: broker.url,
      devices,
      intervalMs: 40,
      seed: 42,
      faults: false,
    });

    const startedAt = Date.now();
    await simulator.start();
    expect(simulator.stats()).toMatchObject({ devices: 3, connected: 3 });
    expect(await retainedStatuses(broker.url, ids)).toEqual({
      "tn-air-001": "online",
      "tn-wl-003": "online",
      "tn-wq-004": "online",
    });

    const messages = await recorder.waitFor((all) =>
      ids.every((id) => ofKind(all, "readings").filter((m) => deviceOf(m) === id).length >= 5),
    );
    for (const message of ofKind(messages, "readings")) {
      const device = devices.find((d) => d.profile.id === deviceOf(message));
      if (!device) throw new Error(`reading from unexpected device ${message.topic}`);
      const payload = readingSchema.parse(JSON.parse(message.payload));
      expect(payload.ts).toBeGreaterThanOrEqual(startedAt);
      expect(payload.ts).toBeLessThanOrEqual(message.receivedAt);
      expect(Object.keys(payload.values).sort()).toEqual([...device.profile.metrics].sort());
      for (const [key, value] of Object.entries(payload.values)) {
        expect(isMetricKey(key)).toBe(true);
        const { min, max } = metricDefinition(key as MetricKey);
        expect(value).toBeGreaterThanOrEqual(min);
        expect(value).toBeLessThanOrEqual(max);
      }
    }
    // Live status messages arrived too, before any reading of the same device.
    for (const id of ids) {
      const first = messages.findIndex((m) => deviceOf(m) === id);
      expect(messages[first]).toMatchObject({ topic: `sensors/${id}/status`, payload: "online" });
    }

    await simulator.stop();
    await simulator.stop();
    const stats = simulator.stats();
    expect(stats.connected).toBe(0);
    expect(stats.errors).toBe(0);
    expect(stats.published).toBeGreaterThanOrEqual(15);
    expect(stats.acked).toBe(stats.published);
    expect(await retainedStatuses(broker.url, ids)).toEqual({
      "tn-air-001": "offline",
      "tn-wl-003": "offline",
      "tn-wq-004": "offline",
    });
  });

  it("staggers devices within the interval instead of publishing in bursts", async () => {
    const devices = fleetOfSize(10);
    recorder = await recordMessages(broker.url, ["sensors/+/readings"]);
    simulator = createFleetSimulator({
      brokerUrl: broker.url,
      devices,
      intervalMs: 500,
      seed: 1,
      faults: false,
    });
    await simulator.start();
    const messages = await recorder.waitFor((all) => all.length >= 10);
    const firstRound = messages.slice(0, 10).map((m) => readingSchema.parse(JSON.parse(m.payload)).ts);
    expect(new Set(firstRound).size).toBeGreaterThanOrEqual(8);
    expect(Math.max(...firstRound) - Math.min(...firstRound)).toBeGreaterThanOrEqual(300);
  });

  it("stamps readings with the injected clock", async () => {
    const morningRush = Date.UTC(2025, 0, 6, 0, 30); // 07:30 in Vietnam
    recorder = await recordMessages(broker.url, ["sensors/+/readings"]);
    simulator = createFleetSimulator({
      brokerUrl: broker.url,
      devices: pick("tn-air-008"),
      intervalMs: 30,
      seed: 2,
      faults: false,
      now: () => morningRush,
    });
    await simulator.start();
    const messages = await recorder.waitFor((all) => all.length >= 3);
    for (const message of messages)
      expect(readingSchema.parse(JSON.parse(message.payload)).ts).toBe(morningRush);
  });

  it("counts rejections the service sends on the device's errors topic", async () => {
    simulator = createFleetSimulator({
      brokerUrl: broker.url,
      devices: pick("tn-noise-001"),
      intervalMs: 1000,
      seed: 3,
      faults: false,
    });
    await simulator.start();
    const service = await mqtt.connectAsync(broker.url, { protocolVersion: 4 });
    try {
      const rejection = JSON.stringify({ error: "out_of_range", metric: "noise", value: 400 });
      await service.publishAsync("sensors/tn-noise-001/errors", rejection, { qos: 1 });
      await service.publishAsync("sensors/tn-met-001/errors", rejection, { qos: 1 });
      await expect.poll(() => simulator?.stats().rejected, { timeout: 5000 }).toBe(1);
    } finally {
      await service.endAsync();
    }
  });

  it("uploads a backlog array of past readings after an offline spell", async () => {
    recorder = await recordMessages(broker.url, ["sensors/+/readings"]);
    simulator = createFleetSimulator({
      brokerUrl: broker.url,
      devices: pick("tn-met-002"),
      intervalMs: 30,
      seed: 5,
      faults: { ...NO_FAULTS, backlog: 0.3, backlogReadings: [4, 6] },
    });
    await simulator.start();
    const messages = await recorder.waitFor((all) => all.some((m) => m.payload.startsWith("[")));
    const upload = messages.find((m) => m.payload.startsWith("[")) as RecordedMessage;
    const readings = z.array(readingSchema).parse(readingsPayloadSchema.parse(JSON.parse(upload.payload)));
    expect(readings.length).toBeGreaterThanOrEqual(4);
    expect(readings.length).toBeLessThanOrEqual(6);
    const times = readings.map((reading) => reading.ts);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(times[0] as number).toBeLessThan(upload.receivedAt - 60);
    expect(simulator.stats().backlogUploads).toBeGreaterThanOrEqual(1);
  });

  it("lets the broker publish its retained will when the link drops, then comes back online", async () => {
    recorder = await recordMessages(broker.url, ["sensors/tn-wq-001/status"]);
    simulator = createFleetSimulator({
      brokerUrl: broker.url,
      devices: pick("tn-wq-001"),
      intervalMs: 200,
      seed: 8,
      faults: false,
    });
    await simulator.start();
    await recorder.waitFor((all) => all.some((m) => m.payload === "online"));
    broker.clients.get("tn-wq-001")?.conn.destroy();
    const statuses = await recorder.waitFor(
      (all) => all.filter((m) => m.payload === "online").length >= 2,
      10_000,
    );
    expect(statuses.map((m) => m.payload)).toEqual(["online", "offline", "online"]);
  });

  it("rejects start() at once when the broker refuses connections", async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const server = net.createServer().listen(0, "127.0.0.1", () => {
        const { port } = server.address() as net.AddressInfo;
        server.close(() => resolve(port));
      });
    });
    simulator = createFleetSimulator({
      brokerUrl: `mqtt://127.0.0.1:${closedPort}`,
      devices: pick("tn-air-002", "tn-air-003"),
      intervalMs: 1000,
      seed: 1,
      faults: true,
    });
    await expect(simulator.start()).rejects.toThrow(
      `could not connect the simulated fleet to mqtt://127.0.0.1:${closedPort}: connect ECONNREFUSED`,
    );
    expect(simulator.stats().connected).toBe(0);
  });

  it("rejects start() after the connect timeout when the broker never answers", async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const { port } = silent.address() as net.AddressInfo;
    try {
      simulator = createFleetSimulator({
        brokerUrl: `mqtt://127.0.0.1:${port}`,
        devices: pick("tn-air-002"),
        intervalMs: 1000,
        seed: 1,
        faults: true,
        connectTimeoutMs: 1500,
      });
      await expect(simulator.start()).rejects.toThrow(/could not connect 1 of 1 devices .* within 1\.5 s/);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});
