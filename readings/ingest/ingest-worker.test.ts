/**
 * The ingest applies a device's registration on the way in: calibration per metric (by the reading's
 * time, see devices/model/calibration.ts) and refusal of metrics it is not registered for. A real Aedes
 * broker, real MQTT clients and the real SQLite stores.
 */
import mqtt, { type MqttClient } from "mqtt";
import { pino } from "pino";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DeviceRegistry } from "../../devices/store/device-registry.js";
import { systemClock } from "../../kernel/clock.js";
import type { Reading } from "../../kernel/reading.js";
import { deviceTopic } from "../../kernel/topics.js";
import { recordMessages, startTestBroker, type TestBroker } from "../../simulators/test-broker.js";
import { openSqliteFixture, type SqliteFixture } from "../../test/support/sqlite-fixture.js";
import { waitUntil } from "../../test/support/wait-until.js";
import { createInProcessReadingsFeed } from "../feed/stored-readings-feed.js";
import { createIngestWorker, type IngestWorker } from "./ingest-worker.js";
import { createIngestMetrics } from "./metrics.js";

const station = {
  id: "tn-air-401",
  name: "Trạm không khí Tân Ninh (hiệu chuẩn)",
  kind: "air" as const,
  area: "tan-ninh",
  areaName: "Phường Tân Ninh",
  lat: 11.31,
  lon: 106.1,
  metrics: ["pm25" as const, "temperature" as const],
};

/** Small batches and short delays, so that a reading is stored soon after it is published. */
const WORKER_LIMITS = {
  batchSize: 100,
  batchDelayMs: 10,
  maxPending: 1000,
  maxPayloadBytes: 256 * 1024,
  drainTimeoutMs: 2000,
};

describe("ingest: registration and calibration", () => {
  let broker: TestBroker;
  let fixture: SqliteFixture;
  let worker: IngestWorker;
  let device: MqttClient;
  let metricsRegistry: Registry;
  const stored: Reading[] = [];

  beforeAll(async () => {
    broker = await startTestBroker();
    fixture = await openSqliteFixture(systemClock, "envmon-ingest-calibration-");
    const feed = createInProcessReadingsFeed((_channel, error) => {
      throw error;
    });
    feed.subscribe((readings) => stored.push(...readings));
    metricsRegistry = new Registry();
    worker = createIngestWorker(
      { ...WORKER_LIMITS, brokerUrl: broker.url, clientId: "svc-ingest-test" },
      {
        store: fixture.store,
        registry: fixture.registry,
        deadLetters: fixture.deadLetters,
        feed,
        metrics: createIngestMetrics(metricsRegistry),
        logger: pino({ level: "silent" }),
        clock: systemClock,
      },
    );
    await worker.start();
    device = await mqtt.connectAsync(broker.url, {
      clientId: station.id,
      protocolVersion: 4,
      reconnectPeriod: 0,
    });
  });

  afterAll(async () => {
    await device?.endAsync();
    await worker?.stop();
    await fixture?.close();
    await broker?.close();
  });

  const publish = (deviceId: string, body: unknown) =>
    device.publishAsync(deviceTopic(deviceId, "readings"), JSON.stringify(body), { qos: 1 });

  const storedValue = (deviceId: string, metric: string, ts: number) =>
    waitUntil(`${deviceId} ${metric} at ${ts} stored`, async () => {
      const result = await fixture.store.range({
        deviceId,
        metric: metric as Reading["metric"],
        from: ts,
        to: ts + 1,
        limit: 10,
      });
      return result.kind === "raw" ? result.points[0]?.value : undefined;
    });

  it("stores calibrated values, refuses a metric the device is not registered for, and tells the device", async () => {
    await fixture.registry.create(
      { ...station, calibration: { pm25: { offset: -0.5, scale: 1.02 } } },
      { actor: "test" },
    );
    const errors = await recordMessages(broker.url, [deviceTopic(station.id, "errors")]);
    try {
      const ts = Date.now() + 1000;
      await publish(station.id, { ts, values: { pm25: 35.2, temperature: 31.4, noise: 61.5 } });
      expect(await storedValue(station.id, "pm25", ts)).toBe(35.404);
      expect(await storedValue(station.id, "temperature", ts)).toBe(31.4);
      const letters = await waitUntil("the dead letter", async () => {
        const found = await fixture.deadLetters.list({ limit: 10, deviceId: station.id });
        return found.length > 0 ? found : undefined;
      });
      expect(letters).toEqual([
        expect.objectContaining({
          reason: "metric_not_allowed",
          metric: "noise",
          message: "tn-air-401 is not registered for 'noise'; registered metrics: pm25, temperature",
          payload: JSON.stringify({ ts, values: { noise: 61.5 } }),
          topic: deviceTopic(station.id, "readings"),
        }),
      ]);
      const [report] = await errors.waitFor((messages) => messages.length > 0);
      expect(JSON.parse(report?.payload ?? "{}")).toMatchObject({
        rejected: 1,
        errors: [{ reason: "metric_not_allowed", metric: "noise" }],
      });
      const metrics = await metricsRegistry.getSingleMetricAsString("envmon_ingest_rejected_total");
      expect(metrics).toContain('envmon_ingest_rejected_total{reason="metric_not_allowed"} 1');
      expect(stored.filter((r) => r.deviceId === station.id && r.metric === "noise")).toEqual([]);
    } finally {
      await errors.close();
    }
  });

  it("calibrates a backlog by each reading's time, and a new calibration takes effect at once", async () => {
    const [first] = await fixture.registry.calibrationHistory(station.id);
    const before = (first?.appliedFrom ?? 0) - 60_000;
    await publish(station.id, [{ ts: before, values: { pm25: 10 } }]);
    expect(await storedValue(station.id, "pm25", before)).toBe(10);

    await fixture.registry.update(
      station.id,
      { calibration: { pm25: { offset: 2, scale: 1 } } },
      { actor: "test" },
    );
    const ts = Date.now() + 2000;
    await publish(station.id, { ts, values: { pm25: 10 } });
    expect(await storedValue(station.id, "pm25", ts)).toBe(12);
  });

  it("refuses a value that calibration pushes out of the plausible range", async () => {
    await fixture.registry.update(
      station.id,
      { calibration: { temperature: { offset: 0, scale: 2 } } },
      { actor: "test" },
    );
    const ts = Date.now() + 3000;
    await publish(station.id, { ts, values: { temperature: 45, pm25: 20 } });
    expect(await storedValue(station.id, "pm25", ts)).toBe(20);
    const letter = await waitUntil(
      "the out-of-range dead letter",
      async () =>
        (await fixture.deadLetters.list({ limit: 10, deviceId: station.id, reason: "out_of_range" }))[0],
    );
    expect(letter.message).toBe(
      "temperature: 90 °C after calibration (45 × 2 + 0) is outside the plausible range -20–60 °C",
    );
  });

  it("takes any catalogue metric, uncalibrated, from a device that is not registered", async () => {
    const ts = Date.now() + 1000;
    await publish("rogue-401", { ts, values: { noise: 70, pm25: 5 } });
    expect(await storedValue("rogue-401", "noise", ts)).toBe(70);
    expect(await storedValue("rogue-401", "pm25", ts)).toBe(5);
  });

  it("waits for a registry that fails for a moment, and then stores the message", async () => {
    const ownBroker = await startTestBroker();
    let failures = 0;
    const flaky: DeviceRegistry = {
      ...fixture.registry,
      ingestPolicyOf: (deviceId) => {
        if (failures < 2) {
          failures += 1;
          return Promise.reject(new Error("database is locked"));
        }
        return fixture.registry.ingestPolicyOf(deviceId);
      },
    };
    const logged: string[] = [];
    const second = createIngestWorker(
      { ...WORKER_LIMITS, brokerUrl: ownBroker.url, clientId: "svc-ingest-flaky" },
      {
        store: fixture.store,
        registry: flaky,
        deadLetters: fixture.deadLetters,
        feed: createInProcessReadingsFeed(() => {}),
        metrics: createIngestMetrics(new Registry()),
        logger: pino({ level: "error" }, { write: (line: string) => logged.push(line) }),
        clock: systemClock,
      },
    );
    const sender = await mqtt.connectAsync(ownBroker.url, { protocolVersion: 4, reconnectPeriod: 0 });
    try {
      await second.start();
      const ts = Date.now() + 4000;
      await sender.publishAsync(
        deviceTopic(station.id, "readings"),
        JSON.stringify({ ts, values: { temperature: 20 } }),
        {
          qos: 1,
        },
      );
      // Calibrated (temperature × 2 since the previous test): the registration was applied.
      expect(await storedValue(station.id, "temperature", ts)).toBe(40);
      expect(failures).toBe(2);
      expect(
        logged.filter((line) => line.includes("could not look up the device's registration")),
      ).toHaveLength(2);
    } finally {
      await sender.endAsync();
      await second.stop();
      await ownBroker.close();
    }
  });
});
