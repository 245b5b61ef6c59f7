/**
 * An acknowledgement is a promise: every reading a device got a PUBACK for is in the store after
 * the whole service (default `npm start` layout: broker, ingest and API in one process) is killed
 * with SIGKILL in the middle of a QoS 1 stream, and none is there twice. Small and quick, so it
 * runs several times with the kill at a different moment, on SQLite, and once on InfluxDB.
 */
import mqtt, { type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { acquireInfluxServer, type InfluxServer, requireInfluxOrSkip } from "./support/influxdb-server.js";
import { pollUntil } from "./support/poll.js";
import { deviceMqttOptions, type ServiceProcess, startServiceProcess } from "./support/service-process.js";

const DEVICES = 12;
const TRIALS = 5;
/** Each device publishes as fast as its acknowledgements come back, with this many in flight. */
const IN_FLIGHT_PER_DEVICE = 8;

interface Trial {
  readonly acknowledged: Map<string, Set<number>>;
  readonly sent: number;
}

/** Streams QoS 1 readings from every device until `stop`; records the ts of each one acknowledged. */
function streamReadings(service: ServiceProcess, secrets: ReadonlyMap<string, string>, base: number) {
  const acknowledged = new Map<string, Set<number>>();
  const clients: MqttClient[] = [];
  let sent = 0;
  let stopped = false;
  for (const [deviceId, secret] of secrets) {
    const acked = new Set<number>();
    acknowledged.set(deviceId, acked);
    const client = mqtt.connect(service.mqttUrl, {
      ...deviceMqttOptions(deviceId, secret),
      protocolVersion: 4,
      reconnectPeriod: 0,
    });
    clients.push(client);
    let next = 0;
    const publishNext = () => {
      if (stopped || !client.connected) return;
      const ts = base + next++ * 1000;
      sent++;
      const payload = JSON.stringify({ ts, values: { pm25: (ts / 1000) % 500 } });
      client.publish(`sensors/${deviceId}/readings`, payload, { qos: 1 }, (error) => {
        if (!error) acked.add(ts);
        publishNext();
      });
    };
    client.once("connect", () => {
      for (let i = 0; i < IN_FLIGHT_PER_DEVICE; i++) publishNext();
    });
    client.on("error", () => {});
  }
  return {
    acknowledgedSoFar: () => [...acknowledged.values()].reduce((sum, acked) => sum + acked.size, 0),
    stop(): Trial {
      stopped = true;
      for (const client of clients) client.end(true);
      return { acknowledged, sent };
    },
  };
}

/** Every stored pm25 point of a device, as [ts, count] (the store keeps one point per ts). */
async function storedTimes(service: ServiceProcess, deviceId: string, from: number): Promise<number[]> {
  const query = `device=${deviceId}&metric=pm25&from=${from}&to=${Date.now() + 60_000}`;
  const response = await fetch(`${service.httpUrl}/api/v1/readings?${query}`, {
    headers: await service.authHeaders(),
  });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { points: Array<{ ts: string }>; truncated: boolean };
  expect(body.truncated).toBe(false);
  return body.points.map((p) => Date.parse(p.ts));
}

async function killDuringStream(env: Record<string, string>, killAfterMs: number, base: number) {
  let service = await startServiceProcess({ env });
  const dataDir = service.dataDir;
  const secrets = new Map<string, string>();
  for (let i = 0; i < DEVICES; i++) {
    const id = `kill-${i}`;
    secrets.set(id, await service.registerDevice({ id }));
  }
  const stream = streamReadings(service, secrets, base);
  // Killed while the stream is under way, however slowly this machine connects the devices.
  await pollUntil(
    "the devices' first acknowledgements",
    () => (stream.acknowledgedSoFar() >= 20 ? true : undefined),
    {
      timeoutMs: 30_000,
      intervalMs: 20,
    },
  );
  await new Promise((resolve) => setTimeout(resolve, killAfterMs));
  service.child.kill("SIGKILL");
  await new Promise((resolve) => service.child.once("exit", resolve));
  const trial = stream.stop();

  service = await startServiceProcess({
    env: { ...env, BOOTSTRAP_ADMIN_PASSWORD: service.adminPassword },
    dataDir,
  });
  try {
    let acknowledgedTotal = 0;
    for (const [deviceId, acked] of trial.acknowledged) {
      const stored = await storedTimes(service, deviceId, base);
      const storedSet = new Set(stored);
      expect(stored.length, `${deviceId}: a point stored twice`).toBe(storedSet.size);
      const lost = [...acked].filter((ts) => !storedSet.has(ts));
      expect(lost, `${deviceId}: acknowledged but not stored`).toEqual([]);
      acknowledgedTotal += acked.size;
    }
    return { acknowledged: acknowledgedTotal, sent: trial.sent };
  } finally {
    await service.stop("SIGKILL");
  }
}

describe("a PUBACK means stored, even when the service is killed (SQLite)", () => {
  for (let trial = 0; trial < TRIALS; trial++) {
    it(`trial ${trial + 1}: nothing acknowledged is lost, nothing is stored twice`, async () => {
      const killAfterMs = trial * 150;
      const { acknowledged, sent } = await killDuringStream({}, killAfterMs, Date.now() - 3 * 3_600_000);
      // The stream was under way when the process died: something was acknowledged, not everything.
      expect(acknowledged).toBeGreaterThan(0);
      expect(sent).toBeGreaterThan(0);
    });
  }
});

const influx: InfluxServer | undefined = await acquireInfluxServer();
const influxAvailable = requireInfluxOrSkip(influx, "test/ack-durability.test.ts (InfluxDB)");

describe.skipIf(!influxAvailable)("a PUBACK means stored, even when the service is killed (InfluxDB)", () => {
  const server = influx as InfluxServer;
  const bucket = `kill_${Date.now()}`;
  beforeAll(async () => {
    await server.createBucket(bucket);
    await server.createBucket(`${bucket}_hourly`);
  });
  afterAll(async () => {
    await server.stop();
  });

  it("nothing acknowledged is lost, nothing is stored twice", async () => {
    const env = {
      INFLUX_URL: server.url,
      INFLUX_TOKEN: server.token,
      INFLUX_ORG: server.org,
      INFLUX_BUCKET: bucket,
    };
    const { acknowledged } = await killDuringStream(env, 300, Date.now() - 3_600_000 * 3);
    expect(acknowledged).toBeGreaterThan(0);
  });
});
