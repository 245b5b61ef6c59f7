/**
 * The ingest against a broker we did not write (Eclipse Mosquitto), fed by Mosquitto's own
 * command-line clients: the device protocol and the ingest's MQTT behaviour are not an
 * accident of Aedes.
 */
import { connect, type IPublishPacket, type MqttClient } from "mqtt";
import { pino } from "pino";
import { Registry } from "prom-client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { systemClock } from "../kernel/clock.js";
import { DEFAULT_MAX_PAYLOAD_BYTES } from "../kernel/limits.js";
import type { Reading } from "../kernel/reading.js";
import type { SeriesPoint } from "../kernel/series.js";
import { deviceTopic } from "../kernel/topics.js";
import { createInProcessReadingsFeed } from "../readings/feed/stored-readings-feed.js";
import { createIngestWorker, type IngestWorker } from "../readings/ingest/ingest-worker.js";
import { createIngestMetrics } from "../readings/ingest/metrics.js";
import type { TimeSeriesStore } from "../readings/store/time-series-store.js";
import { createDeferred } from "./support/deferred.js";
import {
  type MosquittoProcess,
  type MosquittoSubscriber,
  mosquittoPublish,
  startMosquitto,
  startMosquittoSubscriber,
} from "./support/mosquitto-process.js";
import { openSqliteFixture, type SqliteFixture } from "./support/sqlite-fixture.js";
import { waitUntil } from "./support/wait-until.js";

const TEST_TIMEOUT_MS = 90_000;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

interface RunningWorker {
  readonly worker: IngestWorker;
  /** Every batch the worker announced on its feed. */
  readonly announced: Reading[][];
}

describe("ingest against Eclipse Mosquitto", () => {
  let mosquitto: MosquittoProcess;
  let fixture: SqliteFixture;
  let cleanups: Array<() => Promise<unknown>> = [];

  beforeEach(async () => {
    mosquitto = await startMosquitto();
    fixture = await openSqliteFixture(systemClock, "envmon-mosquitto-interop-");
  }, TEST_TIMEOUT_MS);

  afterEach(async () => {
    // Newest first: subscribers and workers go before the broker and the databases.
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch {
        // keep cleaning up the rest
      }
    }
    cleanups = [];
    await mosquitto.stop();
    await fixture.close();
  }, TEST_TIMEOUT_MS);

  async function startWorker(
    clientId: string,
    store: TimeSeriesStore = fixture.store,
  ): Promise<RunningWorker> {
    const announced: Reading[][] = [];
    const feedErrors: unknown[] = [];
    const feed = createInProcessReadingsFeed((_channel, error) => feedErrors.push(error));
    feed.subscribe((readings) => announced.push([...readings]));
    const worker = createIngestWorker(
      {
        brokerUrl: mosquitto.url,
        clientId,
        batchSize: 500,
        batchDelayMs: 10,
        maxPending: 5000,
        maxPayloadBytes: DEFAULT_MAX_PAYLOAD_BYTES,
        drainTimeoutMs: 10_000,
      },
      {
        store,
        registry: fixture.registry,
        deadLetters: fixture.deadLetters,
        feed,
        metrics: createIngestMetrics(new Registry()),
        logger: pino({ level: "silent" }),
        clock: systemClock,
      },
    );
    let stopped = false;
    const stop = async () => {
      if (stopped) return;
      stopped = true;
      await worker.stop();
      expect(feedErrors).toEqual([]);
    };
    cleanups.push(stop);
    await worker.start();
    return {
      worker: { start: () => worker.start(), isReady: () => worker.isReady(), stop },
      announced,
    };
  }

  async function subscriber(topic: string): Promise<MosquittoSubscriber> {
    const sub = await startMosquittoSubscriber(mosquitto.port, topic);
    cleanups.push(() => sub.stop());
    return sub;
  }

  async function observer(
    clientId: string,
    onMessage: (packet: IPublishPacket) => void,
  ): Promise<MqttClient> {
    const client = connect(mosquitto.url, { clientId, clean: false, protocolVersion: 4, reconnectPeriod: 0 });
    // Listening before the CONNACK: Mosquitto resends a resumed session's messages right behind it.
    client.on("message", (_topic, _payload, packet) => onMessage(packet));
    cleanups.push(() => client.endAsync(true));
    await new Promise<void>((resolve, reject) => {
      client.once("connect", () => resolve());
      client.once("error", reject);
    });
    return client;
  }

  const points = async (deviceId: string, metric: Reading["metric"], from: number, to: number) =>
    (await fixture.store.range({ deviceId, metric, from, to, limit: 100 })).points;

  it(
    "stores a single reading and a backlog, dead-letters a bad message and tells the device",
    async () => {
      const { announced } = await startWorker("svc-ingest-mosquitto");
      const now = Date.now();
      const errorsOfBad = await subscriber(deviceTopic("tn-bad-003", "errors"));
      const errorsOfMixed = await subscriber(deviceTopic("tn-mixed-004", "errors"));

      const singleTs = now - 5 * MINUTE;
      await mosquittoPublish(
        mosquitto.port,
        deviceTopic("tn-air-001", "readings"),
        JSON.stringify({ ts: singleTs, values: { pm25: 35.2, temperature: 31.4 } }),
      );
      // Backlog upload with ISO times in Vietnam's offset, oldest first.
      const backlogTs = [30, 20, 10].map((m) => now - m * MINUTE);
      const iso = (ms: number) => new Date(ms + 7 * 3_600_000).toISOString().replace("Z", "+07:00");
      await mosquittoPublish(
        mosquitto.port,
        deviceTopic("la-wq-002", "readings"),
        JSON.stringify(backlogTs.map((ts, i) => ({ ts: iso(ts), values: { ph: 7 + i / 10, do: 5 + i } }))),
      );
      await mosquittoPublish(mosquitto.port, deviceTopic("tn-bad-003", "readings"), "{not json");
      const mixedTs = now - MINUTE;
      await mosquittoPublish(
        mosquitto.port,
        deviceTopic("tn-mixed-004", "readings"),
        JSON.stringify({ ts: mixedTs, values: { noise: 61.5, radiation: 0.2 } }),
      );

      // The feed is told last, once the batch with the last message is wholly written.
      await waitUntil(
        "the last message to be stored and announced",
        () => announced.flat().some((r) => r.deviceId === "tn-mixed-004") || undefined,
      );
      expect(await points("tn-air-001", "pm25", singleTs, singleTs + 1)).toEqual([
        { ts: singleTs, value: 35.2 },
      ]);
      expect(await points("tn-air-001", "temperature", singleTs, singleTs + 1)).toEqual([
        { ts: singleTs, value: 31.4 },
      ]);
      expect(await points("la-wq-002", "ph", now - HOUR, now)).toEqual(
        backlogTs.map((ts, i) => ({ ts, value: 7 + i / 10 })),
      );
      expect(await points("la-wq-002", "do", now - HOUR, now)).toEqual(
        backlogTs.map((ts, i) => ({ ts, value: 5 + i })),
      );
      expect(await fixture.store.latest({ deviceIds: ["tn-air-001", "la-wq-002", "tn-mixed-004"] })).toEqual([
        { deviceId: "la-wq-002", metric: "do", ts: backlogTs[2], value: 7 },
        { deviceId: "la-wq-002", metric: "ph", ts: backlogTs[2], value: 7.2 },
        { deviceId: "tn-air-001", metric: "pm25", ts: singleTs, value: 35.2 },
        { deviceId: "tn-air-001", metric: "temperature", ts: singleTs, value: 31.4 },
        { deviceId: "tn-mixed-004", metric: "noise", ts: mixedTs, value: 61.5 },
      ]);

      const letters = await fixture.deadLetters.list({ limit: 10 });
      expect(letters).toHaveLength(2);
      expect(letters.find((l) => l.deviceId === "tn-bad-003")).toMatchObject({
        topic: "sensors/tn-bad-003/readings",
        reason: "invalid_json",
        payload: "{not json",
        truncated: false,
      });
      expect(letters.find((l) => l.deviceId === "tn-mixed-004")).toMatchObject({
        topic: "sensors/tn-mixed-004/readings",
        reason: "unknown_metric",
        metric: "radiation",
      });

      // The rejection reaches the device as JSON on its errors topic, through Mosquitto.
      const [badReport] = await waitUntil("the error report of the bad message", () =>
        errorsOfBad.messages().length > 0 ? errorsOfBad.messages() : undefined,
      );
      expect(JSON.parse(badReport as string)).toMatchObject({
        topic: "sensors/tn-bad-003/readings",
        rejected: 1,
        errors: [{ reason: "invalid_json", message: expect.stringContaining("invalid JSON") }],
      });
      expect(Number.isNaN(Date.parse(JSON.parse(badReport as string).at))).toBe(false);
      const [mixedReport] = await waitUntil("the error report of the mixed message", () =>
        errorsOfMixed.messages().length > 0 ? errorsOfMixed.messages() : undefined,
      );
      expect(JSON.parse(mixedReport as string)).toMatchObject({
        topic: "sensors/tn-mixed-004/readings",
        rejected: 1,
        errors: [{ reason: "unknown_metric", metric: "radiation" }],
      });

      // What the feed announced is exactly what was stored.
      const fed = announced
        .flat()
        .sort((a, b) => `${a.deviceId}${a.metric}${a.ts}`.localeCompare(`${b.deviceId}${b.metric}${b.ts}`));
      expect(fed).toEqual(
        [
          ...backlogTs.flatMap((ts, i) => [
            { deviceId: "la-wq-002", metric: "do", ts, value: 5 + i },
            { deviceId: "la-wq-002", metric: "ph", ts, value: 7 + i / 10 },
          ]),
          { deviceId: "tn-air-001", metric: "pm25", ts: singleTs, value: 35.2 },
          { deviceId: "tn-air-001", metric: "temperature", ts: singleTs, value: 31.4 },
          { deviceId: "tn-mixed-004", metric: "noise", ts: mixedTs, value: 61.5 },
        ].sort((a, b) => `${a.deviceId}${a.metric}${a.ts}`.localeCompare(`${b.deviceId}${b.metric}${b.ts}`)),
      );
      // Devices that publish show up in the registry, unregistered.
      const listed = (await fixture.registry.list()).map((d) => [d.id, d.registered]);
      expect(listed).toEqual([
        ["la-wq-002", false],
        ["tn-air-001", false],
        ["tn-bad-003", false],
        ["tn-mixed-004", false],
      ]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "stores status messages and takes in QoS 1 messages queued by Mosquitto while it was away",
    async () => {
      const clientId = "svc-ingest-session";
      const first = await startWorker(clientId);
      const now = Date.now();
      await mosquittoPublish(
        mosquitto.port,
        deviceTopic("tn-away-001", "readings"),
        JSON.stringify({ ts: now - 10 * MINUTE, values: { pm10: 40 } }),
      );
      await mosquittoPublish(mosquitto.port, deviceTopic("tn-away-001", "status"), "online", {
        retain: true,
      });
      await waitUntil("the first reading and the status", async () =>
        (await points("tn-away-001", "pm10", now - HOUR, now)).length === 1 &&
        (await fixture.registry.get("tn-away-001"))?.status === "online"
          ? true
          : undefined,
      );
      await first.worker.stop();

      const awayTs = [9, 8, 7].map((m) => now - m * MINUTE);
      for (const [i, ts] of awayTs.entries()) {
        await mosquittoPublish(
          mosquitto.port,
          deviceTopic("tn-away-001", "readings"),
          JSON.stringify({ ts, values: { pm10: 41 + i } }),
        );
      }
      await mosquittoPublish(mosquitto.port, deviceTopic("tn-away-001", "status"), "offline", {
        retain: true,
      });
      expect(await points("tn-away-001", "pm10", now - HOUR, now)).toHaveLength(1);

      const second = await startWorker(clientId);
      await waitUntil(
        "the queued readings to be stored",
        () => second.announced.flat().length === 3 || undefined,
      );
      expect(await points("tn-away-001", "pm10", now - HOUR, now)).toEqual([
        { ts: now - 10 * MINUTE, value: 40 },
        ...awayTs.map((ts, i) => ({ ts, value: 41 + i })),
      ]);
      await waitUntil("the queued status", async () =>
        (await fixture.registry.get("tn-away-001"))?.status === "offline" ? true : undefined,
      );
      expect(second.announced.flat().map((r) => r.value)).toEqual([41, 42, 43]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "never stores Mosquitto's retained copy of a reading (mosquitto_pub -r, no ts): 3 restarts of the ingest add no point",
    async () => {
      const clientId = "svc-ingest-retained";
      const live = "tn-retained-001";
      const early = "tn-retained-002";
      const markerTopic = deviceTopic("tn-retained-marker", "readings");
      const retained = JSON.stringify({ values: { pm25: 42 } });
      const all = (deviceId: string) => points(deviceId, "pm25", 0, Date.now() + HOUR);
      const errorsOfLive = await subscriber(deviceTopic(live, "errors"));
      // Published before the ingest ever subscribed: only the retained copy exists for it.
      await mosquittoPublish(mosquitto.port, deviceTopic(early, "readings"), retained, { retain: true });

      /** Once a reading published after the (re)subscription is stored, the retained copies were handled. */
      const markerStored = async (n: number) => {
        const ts = Date.now() - MINUTE + n;
        await mosquittoPublish(mosquitto.port, markerTopic, JSON.stringify({ ts, values: { pm25: n } }));
        await waitUntil(
          `marker ${n}`,
          async () => (await all("tn-retained-marker")).some((p) => p.ts === ts) || undefined,
        );
      };

      let running = await startWorker(clientId);
      await mosquittoPublish(mosquitto.port, deviceTopic(live, "readings"), retained, { retain: true });
      // Delivered live, Mosquitto clears the retain flag (MQTT-3.3.1-9): stored as any reading.
      const [stored] = await waitUntil("the live copy", async () => {
        const found = await all(live);
        return found.length > 0 ? found : undefined;
      });
      await markerStored(0);
      expect(await all(early)).toEqual([]);

      for (let restart = 1; restart <= 3; restart++) {
        await running.worker.stop();
        running = await startWorker(clientId);
        await markerStored(restart);
        expect(await all(live), `after restart ${restart}`).toEqual([stored]);
        expect(await all(early), `after restart ${restart}`).toEqual([]);
      }

      // Each retained copy is dead-lettered and reported: the first start saw the early one, each
      // restart both.
      const letters = await fixture.deadLetters.list({ limit: 20, reason: "retained_reading" });
      expect(letters.filter((l) => l.deviceId === live)).toHaveLength(3);
      expect(letters.filter((l) => l.deviceId === early)).toHaveLength(4);
      expect(letters.every((l) => l.payload === retained)).toBe(true);
      const reports = await waitUntil("the reports to the device", () =>
        errorsOfLive.messages().length === 3 ? errorsOfLive.messages() : undefined,
      );
      expect(JSON.parse(reports[0] as string)).toMatchObject({
        topic: deviceTopic(live, "readings"),
        errors: [{ reason: "retained_reading" }],
      });
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "acknowledges a QoS 1 message to Mosquitto only after the store write resolved",
    async () => {
      const clientId = "svc-ingest-ack";
      const deviceId = "tn-ack-001";
      const gate = createDeferred();
      const writesStarted: SeriesPoint[] = [];
      const writesFinished: SeriesPoint[] = [];
      const gatedStore: TimeSeriesStore = {
        ...fixture.store,
        async write(readings) {
          writesStarted.push(...readings);
          await gate.promise;
          await fixture.store.write(readings);
          writesFinished.push(...readings);
        },
      };
      const { worker } = await startWorker(clientId, gatedStore);
      // Runs before the worker's stop in cleanup, which would otherwise wait on the gate.
      cleanups.push(async () => gate.resolve());
      const now = Date.now();
      const heldTs = now - 3 * MINUTE;
      const heldPayload = JSON.stringify({ ts: heldTs, values: { pm25: 11 } });
      await mosquittoPublish(mosquitto.port, deviceTopic(deviceId, "readings"), heldPayload);
      await waitUntil("the ingest to start writing the message", () =>
        writesStarted.some((r) => r.ts === heldTs) ? true : undefined,
      );

      // Taking the session over cuts the ingest's connection; Mosquitto then sends whatever the
      // ingest had not acknowledged to the new connection of the same session.
      const redelivered: IPublishPacket[] = [];
      const takeover = await observer(clientId, (packet) => redelivered.push(packet));
      const [held] = await waitUntil("Mosquitto to redeliver the unacknowledged message", () =>
        redelivered.length > 0 ? redelivered : undefined,
      );
      expect(held?.topic).toBe(deviceTopic(deviceId, "readings"));
      expect(held?.payload.toString()).toBe(heldPayload);
      expect(held?.qos).toBe(1);
      expect(writesFinished).toEqual([]);
      await takeover.endAsync();

      // Once the write may finish, the ingest reconnects and the reading is stored.
      gate.resolve();
      await waitUntil("the held reading to be stored", async () =>
        (await points(deviceId, "pm25", heldTs, heldTs + 1)).length === 1 ? true : undefined,
      );
      await waitUntil("the ingest to be back on its session", () => worker.isReady() || undefined);

      // Control: a message whose write resolved is acknowledged, so a takeover gets nothing back.
      // The ingest reports a rejection to the device right after the PUBACK on the same
      // connection, so seeing the report means Mosquitto has processed the PUBACK.
      const reports = await subscriber(deviceTopic(deviceId, "errors"));
      const durableTs = now - 2 * MINUTE;
      await mosquittoPublish(
        mosquitto.port,
        deviceTopic(deviceId, "readings"),
        JSON.stringify({ ts: durableTs, values: { pm25: 12, radiation: 1 } }),
      );
      await waitUntil(
        "the rejection report after the PUBACK",
        () => reports.messages().length > 0 || undefined,
      );
      expect(writesFinished.some((r) => r.ts === durableTs)).toBe(true);

      const afterAck: IPublishPacket[] = [];
      const second = await observer(clientId, (packet) => afterAck.push(packet));
      // Redelivery happens as the session resumes, before anything published after the CONNACK.
      const markerTopic = deviceTopic("tn-ack-marker", "readings");
      await second.publishAsync(markerTopic, JSON.stringify({ values: { pm25: 1 } }), { qos: 1 });
      await waitUntil(
        "the marker to come back on the taken-over session",
        () => afterAck.some((p) => p.topic === markerTopic) || undefined,
      );
      expect(afterAck.map((p) => p.topic)).toEqual([markerTopic]);
      await second.endAsync();
    },
    TEST_TIMEOUT_MS,
  );
});
