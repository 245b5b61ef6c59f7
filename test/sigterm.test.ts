/**
 * Nothing a device was told is safe (PUBACK) may be lost when the service is stopped with SIGTERM
 * in the middle of a burst: the broker's acknowledgement is a promise the ingest must keep.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { connectAsync, type MqttClient } from "mqtt";
import { afterAll, describe, expect, it } from "vitest";
import { pollUntil, withTimeout } from "./support/poll.js";
import { deviceMqttOptions, type ServiceProcess, startServiceProcess } from "./support/service-process.js";

const TEST_TIMEOUT_MS = 120_000;
const CONNECTIONS = 8;
const MAX_IN_FLIGHT = 100;
const BURST_BEFORE_SIGTERM_MS = 1500;
/** SIGTERM waits for at least this many acknowledgements, so a slow machine still tests something. */
const MIN_ACKNOWLEDGED_BEFORE_SIGTERM = 5000;
const METRICS = ["pm25", "temperature"] as const;

interface PublisherResult {
  readonly deviceId: string;
  /** Sequence numbers whose PUBACK arrived. */
  readonly acknowledged: readonly number[];
  readonly sent: number;
  readonly failed: number;
}

/** Values and time of message `seq` of a device: unique per device and exactly representable in JSON. */
const messageFor = (baseTs: number, seq: number) => ({
  ts: baseTs + seq,
  values: { pm25: (seq % 10_000) / 10, temperature: 20 + (seq % 300) / 10 },
});

/**
 * Publishes QoS 1 as fast as the window allows until the connection drops. Only a publish whose
 * callback came without error (its PUBACK arrived) counts as acknowledged; the list is frozen
 * when the connection closes.
 */
function publishUntilDisconnected(
  client: MqttClient,
  deviceId: string,
  baseTs: number,
  progress: { acknowledged: number },
): Promise<PublisherResult> {
  const topic = `sensors/${deviceId}/readings`;
  const acknowledged: number[] = [];
  let sent = 0;
  let failed = 0;
  let inFlight = 0;
  let closed = false;
  return new Promise((resolve) => {
    const pump = () => {
      while (!closed && inFlight < MAX_IN_FLIGHT) {
        const seq = sent++;
        inFlight++;
        client.publish(topic, JSON.stringify(messageFor(baseTs, seq)), { qos: 1 }, (error) => {
          inFlight--;
          if (closed) return;
          if (error) {
            // The connection is going; publishing on would only queue offline.
            failed++;
            return;
          }
          acknowledged.push(seq);
          progress.acknowledged++;
          pump();
        });
      }
    };
    client.once("close", () => {
      closed = true;
      resolve({ deviceId, acknowledged: [...acknowledged], sent, failed });
    });
    pump();
  });
}

describe("SIGTERM during a burst of QoS 1 readings", () => {
  let service: ServiceProcess | undefined;
  const clients: MqttClient[] = [];

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.endAsync(true)));
    if (service) {
      if (service.child.exitCode === null) await service.stop("SIGKILL");
      rmSync(service.dataDir, { recursive: true, force: true });
    }
  }, TEST_TIMEOUT_MS);

  it(
    "stores every acknowledged reading and exits 0",
    async () => {
      const running = await startServiceProcess({ env: { DEMO: "0" } });
      service = running;
      const baseTs = Date.now() - 6 * 3_600_000;
      const deviceIds = Array.from({ length: CONNECTIONS }, (_, i) => `sigterm-${i + 1}`);
      for (const deviceId of deviceIds) {
        const secret = await running.registerDevice({ id: deviceId, metrics: [...METRICS] });
        clients.push(
          await connectAsync(running.mqttUrl, {
            ...deviceMqttOptions(deviceId, secret),
            reconnectPeriod: 0,
            connectTimeout: 15_000,
          }),
        );
      }

      const progress = { acknowledged: 0 };
      const burstStartedAt = Date.now();
      const publishers = clients.map((client, i) =>
        publishUntilDisconnected(client, deviceIds[i] as string, baseTs, progress),
      );
      await pollUntil(
        `${BURST_BEFORE_SIGTERM_MS} ms of burst and ${MIN_ACKNOWLEDGED_BEFORE_SIGTERM} acknowledgements`,
        () =>
          Date.now() - burstStartedAt >= BURST_BEFORE_SIGTERM_MS &&
          progress.acknowledged >= MIN_ACKNOWLEDGED_BEFORE_SIGTERM
            ? true
            : undefined,
        { timeoutMs: 60_000, intervalMs: 20 },
      );
      const acknowledgedAtSigterm = progress.acknowledged;
      const sigtermAfterMs = Date.now() - burstStartedAt;
      const exitCode = running.stop("SIGTERM");

      const results = await withTimeout(
        "the service to drop every device connection",
        Promise.all(publishers),
        60_000,
      );
      const code = await withTimeout("the service to exit", exitCode, 60_000);
      expect(code, running.output()).toBe(0);

      const expected = new Map<string, number>();
      for (const { deviceId, acknowledged } of results) {
        for (const seq of acknowledged) {
          const message = messageFor(baseTs, seq);
          for (const metric of METRICS)
            expected.set(`${deviceId}|${metric}|${message.ts}`, message.values[metric]);
        }
      }

      const db = new Database(join(running.dataDir, "monitoring.sqlite"), {
        readonly: true,
        fileMustExist: true,
      });
      let stored: Array<{ deviceId: string; metric: string; ts: number; value: number }>;
      let perSeries: Array<{ deviceId: string; metric: string; rows: number }>;
      try {
        stored = db
          .prepare(
            `SELECT s.device_id AS deviceId, s.metric AS metric, r.ts AS ts, r.value AS value
             FROM ts_readings r JOIN ts_series s ON s.id = r.series_id`,
          )
          .all() as typeof stored;
        perSeries = db
          .prepare(
            `SELECT s.device_id AS deviceId, s.metric AS metric, count(*) AS rows
             FROM ts_readings r JOIN ts_series s ON s.id = r.series_id
             GROUP BY s.id ORDER BY s.device_id, s.metric`,
          )
          .all() as typeof perSeries;
      } finally {
        db.close();
      }
      const storedValues = new Map(
        stored.map((row) => [`${row.deviceId}|${row.metric}|${row.ts}`, row.value]),
      );

      const missing: string[] = [];
      const wrongValue: string[] = [];
      for (const [key, value] of expected) {
        const got = storedValues.get(key);
        if (got === undefined) missing.push(key);
        else if (got !== value) wrongValue.push(`${key}: stored ${got}, sent ${value}`);
      }
      const acknowledgedMessages = results.reduce((sum, r) => sum + r.acknowledged.length, 0);
      const sentMessages = results.reduce((sum, r) => sum + r.sent, 0);
      const expectedPerSeries = new Map<string, number>();
      for (const key of expected.keys()) {
        const series = key.split("|").slice(0, 2).join("|");
        expectedPerSeries.set(series, (expectedPerSeries.get(series) ?? 0) + 1);
      }
      console.log(
        [
          `SIGTERM after ${sigtermAfterMs} ms with ${acknowledgedAtSigterm} messages acknowledged so far`,
          `messages published ${sentMessages}, acknowledged ${acknowledgedMessages}, failed callbacks ${results.reduce((s, r) => s + r.failed, 0)}`,
          `rows expected ${expected.size}, stored ${stored.length} (stored without a PUBACK: ${stored.length - (expected.size - missing.length)}), missing ${missing.length}, wrong value ${wrongValue.length}`,
          ...perSeries.map(
            (s) =>
              `  ${s.deviceId} ${s.metric}: stored ${s.rows}, acknowledged ${expectedPerSeries.get(`${s.deviceId}|${s.metric}`) ?? 0}`,
          ),
        ].join("\n"),
      );

      expect(acknowledgedMessages).toBeGreaterThanOrEqual(MIN_ACKNOWLEDGED_BEFORE_SIGTERM);
      expect(results.every((r) => r.acknowledged.length > 0)).toBe(true);
      expect(missing.slice(0, 20), `${missing.length} acknowledged rows missing`).toEqual([]);
      expect(wrongValue.slice(0, 20)).toEqual([]);
      expect(stored.length).toBeGreaterThanOrEqual(expected.size);
    },
    TEST_TIMEOUT_MS,
  );
});
