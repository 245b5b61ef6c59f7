/**
 * Issue 11: a reading published with the retain flag (and no `ts`) was stored again, with a new
 * receipt time, every time the ingest subscribed again (4 restarts, 5 points). Devices must not
 * retain readings: the service's broker refuses them, and the ingest never stores the retained
 * copy a broker hands out on subscription (Mosquitto's case: test/mosquitto-interop.test.ts).
 * Real Aedes brokers, real MQTT clients, the real SQLite stores.
 */
import mqtt, { type MqttClient } from "mqtt";
import { pino } from "pino";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { systemClock } from "../../kernel/clock.js";
import { deviceTopic } from "../../kernel/topics.js";
import { recordMessages, startTestBroker } from "../../simulators/test-broker.js";
import { createCleanupList } from "../../test/support/cleanup-list.js";
import { connectClient, startSecuredBroker } from "../../test/support/secured-broker.js";
import type { SqliteFixture } from "../../test/support/sqlite-fixture.js";
import { openSqliteFixture } from "../../test/support/sqlite-fixture.js";
import { waitUntil } from "../../test/support/wait-until.js";
import { createInProcessReadingsFeed } from "../feed/stored-readings-feed.js";
import { createIngestWorker } from "./ingest-worker.js";
import { createIngestMetrics } from "./metrics.js";

const TEST_TIMEOUT_MS = 60_000;
const RESTARTS = 3;
const DEVICE = "tn-air-501";
const MARKER_DEVICE = "tn-air-502";
/** No `ts`: the time of receipt is used, the case of the issue. */
const RETAINED_PAYLOAD = JSON.stringify({ values: { pm25: 42 } });
const ALL_TIME = { from: Date.parse("2000-01-01T00:00:00Z"), to: Date.now() + 3_600_000 };

interface IngestTarget {
  readonly url: string;
  readonly fixture: SqliteFixture;
  readonly credentials?: { readonly username: string; readonly password: string };
}

describe("retained readings", () => {
  const cleanups = createCleanupList();

  afterEach(async () => {
    await cleanups.runAll();
  }, TEST_TIMEOUT_MS);

  /** An ingest on the target's broker under one persistent session; resolves once it has subscribed. */
  async function startIngest(target: IngestTarget, metrics = createIngestMetrics(new Registry())) {
    const worker = createIngestWorker(
      {
        brokerUrl: target.url,
        clientId: "svc-ingest",
        ...target.credentials,
        batchSize: 100,
        batchDelayMs: 10,
        maxPending: 1000,
        maxPayloadBytes: 256 * 1024,
        drainTimeoutMs: 2000,
      },
      {
        store: target.fixture.store,
        registry: target.fixture.registry,
        deadLetters: target.fixture.deadLetters,
        feed: createInProcessReadingsFeed((error) => {
          throw error;
        }),
        metrics,
        logger: pino({ level: "silent" }),
        clock: systemClock,
      },
    );
    let stopped = false;
    const stop = async () => {
      if (stopped) return;
      stopped = true;
      await worker.stop();
    };
    cleanups.add(stop);
    await worker.start();
    return { stop };
  }

  const points = async (fixture: SqliteFixture, deviceId: string) =>
    (await fixture.store.range({ deviceId, metric: "pm25", ...ALL_TIME, limit: 100 })).points;

  /**
   * A reading of another device, published after the ingest subscribed: once it is stored, the
   * ingest has handled whatever the broker sent for the subscription (retained messages first).
   */
  async function marker(fixture: SqliteFixture, publisher: MqttClient, n: number): Promise<void> {
    const ts = Date.now() - 60_000 + n;
    await publisher.publishAsync(
      deviceTopic(MARKER_DEVICE, "readings"),
      JSON.stringify({ ts, values: { pm25: n } }),
      { qos: 1 },
    );
    await waitUntil(
      `marker ${n} to be stored`,
      async () => (await points(fixture, MARKER_DEVICE)).some((p) => p.ts === ts) || undefined,
    );
  }

  it(
    "the service's broker refuses a retained reading, so restarting the ingest 3 times stores no point",
    async () => {
      const secured = await startSecuredBroker();
      cleanups.add(() => secured.close());
      const target: IngestTarget = {
        url: secured.url,
        fixture: secured.fixture,
        credentials: { username: "svc-ingest", password: secured.servicePassword },
      };
      const connectDevice = async (deviceId: string, secret: string) => {
        const client = await connectClient(secured.url, {
          clientId: deviceId,
          username: deviceId,
          password: secret,
        });
        cleanups.add(() => client.endAsync(true));
        return client;
      };
      const secret = await secured.addDevice(DEVICE);
      const markers = await connectDevice(MARKER_DEVICE, await secured.addDevice(MARKER_DEVICE));

      let ingest = await startIngest(target);
      const device = await connectDevice(DEVICE, secret);
      device.publish(deviceTopic(DEVICE, "readings"), RETAINED_PAYLOAD, { qos: 1, retain: true });
      // MQTT 3.1.1 has no negative PUBACK: the broker closes the connection, as for its other refusals.
      await waitUntil("the broker to close the connection", () => !device.connected || undefined, {
        timeoutMs: 5000,
      });
      expect(
        await secured.counter("envmon_broker_refused_publishes_total", { reason: "retained_reading" }),
      ).toBe(1);
      await marker(secured.fixture, markers, 0);
      expect(await points(secured.fixture, DEVICE)).toEqual([]);

      for (let restart = 1; restart <= RESTARTS; restart++) {
        await ingest.stop();
        ingest = await startIngest(target);
        await marker(secured.fixture, markers, restart);
        expect(await points(secured.fixture, DEVICE), `after restart ${restart}`).toEqual([]);
      }

      // The same reading without the retain flag is stored, once.
      const again = await connectDevice(DEVICE, secret);
      await again.publishAsync(deviceTopic(DEVICE, "readings"), RETAINED_PAYLOAD, { qos: 1 });
      await waitUntil("the reading without retain", async () =>
        (await points(secured.fixture, DEVICE)).length === 1 ? true : undefined,
      );
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "behind a broker that keeps retained readings, the ingest stores the live copy once and refuses the retained copy on each of 3 restarts",
    async () => {
      // A plain Aedes without the service's checks stands for an external broker (Mosquitto, EMQX).
      const broker = await startTestBroker();
      cleanups.add(() => broker.close());
      const fixture = await openSqliteFixture(systemClock, "envmon-retained-");
      cleanups.add(() => fixture.close());
      const target: IngestTarget = { url: broker.url, fixture };
      const device = await mqtt.connectAsync(broker.url, {
        clientId: DEVICE,
        protocolVersion: 4,
        reconnectPeriod: 0,
      });
      cleanups.add(() => device.endAsync(true));
      const errors = await recordMessages(broker.url, [deviceTopic(DEVICE, "errors")]);
      cleanups.add(() => errors.close());

      const registry = new Registry();
      const metrics = createIngestMetrics(registry);
      let ingest = await startIngest(target, metrics);
      await device.publishAsync(deviceTopic(DEVICE, "readings"), RETAINED_PAYLOAD, { qos: 1, retain: true });
      // Delivered live (retain flag cleared, MQTT-3.3.1-9), it cannot be told from any other reading.
      const [live] = await waitUntil("the live copy to be stored", async () => {
        const found = await points(fixture, DEVICE);
        return found.length > 0 ? found : undefined;
      });
      await marker(fixture, device, 0);

      for (let restart = 1; restart <= RESTARTS; restart++) {
        await ingest.stop();
        ingest = await startIngest(target, metrics);
        await marker(fixture, device, restart);
        expect(await points(fixture, DEVICE), `after restart ${restart}`).toEqual([live]);
      }

      // Each retained copy is refused visibly: dead letter, counter, report to the device.
      const letters = await fixture.deadLetters.list({ limit: 10, deviceId: DEVICE });
      expect(letters).toHaveLength(RESTARTS);
      for (const letter of letters) {
        expect(letter).toMatchObject({
          reason: "retained_reading",
          topic: deviceTopic(DEVICE, "readings"),
          payload: RETAINED_PAYLOAD,
        });
      }
      expect(await registry.getSingleMetricAsString("envmon_ingest_rejected_total")).toContain(
        `envmon_ingest_rejected_total{reason="retained_reading"} ${RESTARTS}`,
      );
      const reports = await errors.waitFor((messages) => messages.length === RESTARTS);
      expect(JSON.parse(reports[0]?.payload ?? "{}")).toMatchObject({
        topic: deviceTopic(DEVICE, "readings"),
        rejected: 1,
        errors: [{ reason: "retained_reading" }],
      });
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "stores nothing of a retained reading that was published before the ingest first subscribed",
    async () => {
      const broker = await startTestBroker();
      cleanups.add(() => broker.close());
      const fixture = await openSqliteFixture(systemClock, "envmon-retained-");
      cleanups.add(() => fixture.close());
      const device = await mqtt.connectAsync(broker.url, {
        clientId: DEVICE,
        protocolVersion: 4,
        reconnectPeriod: 0,
      });
      cleanups.add(() => device.endAsync(true));
      await device.publishAsync(deviceTopic(DEVICE, "readings"), RETAINED_PAYLOAD, { qos: 1, retain: true });

      await startIngest({ url: broker.url, fixture });
      await marker(fixture, device, 0);
      expect(await points(fixture, DEVICE)).toEqual([]);
      expect(await fixture.deadLetters.list({ limit: 10, deviceId: DEVICE })).toMatchObject([
        { reason: "retained_reading" },
      ]);
    },
    TEST_TIMEOUT_MS,
  );
});
