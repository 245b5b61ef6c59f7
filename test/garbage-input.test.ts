/**
 * Hostile input against one running service: the process must survive all of it, store every
 * valid reading exactly, dead-letter every invalid one with the right reason, and count it.
 * The senders are registered devices with their own secrets (security is on), so this is what a
 * device that got in, broken or compromised, can do. The mix is seeded: a failure replays with the
 * same SEED.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectAsync, type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REJECTION_REASONS } from "../kernel/rejections.js";
import { HOUR_MS } from "../kernel/time.js";
import { DEVICE_ID_PATTERN } from "../kernel/topics.js";
import { runCommand } from "./support/command-line-client.js";
import {
  buildInputCases,
  type CaseCatalogue,
  type ExpectedRejection,
  type InputCase,
} from "./support/garbage-input-cases.js";
import { getJson, getText } from "./support/http-json.js";
import { pollUntil, withTimeout } from "./support/poll.js";
import { labelledSample, metricSamples } from "./support/prometheus-text.js";
import { createSeededRandom } from "./support/seeded-random.js";
import {
  deviceMqttOptions,
  mosquittoDeviceArgs,
  type ServiceProcess,
  startServiceProcess,
} from "./support/service-process.js";

const SEED = 20_261_121;
const TEST_TIMEOUT_MS = 120_000;

interface DeadLetterBody {
  id: number;
  receivedAt: string;
  deviceId: string | null;
  topic: string;
  reason: string;
  message: string;
  entryIndex?: number;
  metric?: string;
  payload: string;
  truncated: boolean;
}

/** What identifies a rejection, for comparing lists of them. */
const identity = (r: { reason: string; entryIndex?: number; metric?: string }) => ({
  reason: r.reason,
  ...(r.entryIndex === undefined ? {} : { entryIndex: r.entryIndex }),
  ...(r.metric === undefined ? {} : { metric: r.metric }),
});

const RAW_GARBAGE_DEVICE = "raw-garbage";

/** An MQTT string: two bytes of length, then the UTF-8 bytes. */
const mqttString = (value: string) => {
  const bytes = Buffer.from(value, "utf8");
  return Buffer.concat([Buffer.from([bytes.length >> 8, bytes.length & 0xff]), bytes]);
};

/**
 * An MQTT CONNECT (3.1.1, clean session, username and password) written by hand, to follow with
 * bytes no client would send.
 */
function connectPacket(clientId: string, password: string): Buffer {
  const body = Buffer.concat([
    mqttString("MQTT"),
    Buffer.from([4, 0b1100_0010, 0, 60]),
    mqttString(clientId),
    mqttString(clientId),
    mqttString(password),
  ]);
  const remainingLength: number[] = [];
  let length = body.length;
  do {
    const digit = length % 128;
    length = Math.floor(length / 128);
    remainingLength.push(length > 0 ? digit | 0x80 : digit);
  } while (length > 0);
  return Buffer.concat([Buffer.from([0x10, ...remainingLength]), body]);
}

/** Writes raw bytes to the MQTT port and waits until the broker has let go of the connection. */
async function sendRawBytes(port: number, bytes: Buffer): Promise<void> {
  const socket = connect(port, "127.0.0.1");
  socket.on("error", () => {
    // a reset from the broker is one of the expected outcomes
  });
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  socket.once("connect", () => socket.end(bytes));
  await withTimeout("the broker to close a raw garbage connection", closed, 20_000);
}

describe(`garbage device input (seed ${SEED})`, () => {
  const random = createSeededRandom(SEED);
  const startedAt = Date.now();
  const catalogue: CaseCatalogue = buildInputCases(random, startedAt);
  const sendOrder: InputCase[] = random.shuffle([...catalogue.cases]);
  const payloadDir = mkdtempSync(join(tmpdir(), "envmon-garbage-"));
  let service: ServiceProcess | undefined;
  /** Device id → MQTT secret. */
  const secrets = new Map<string, string>();
  /** mqtt.js connections of the devices, each kept open for that device's next mqtt.js case. */
  const clients = new Map<string, MqttClient>();

  const running = (): ServiceProcess => {
    if (!service) throw new Error("service not started");
    return service;
  };
  const api = (path: string) => `${running().httpUrl}${path}`;
  const mqttPort = () => Number(new URL(running().mqttUrl).port);
  const secretOf = (deviceId: string): string => {
    const secret = secrets.get(deviceId);
    if (secret === undefined) throw new Error(`${deviceId} is not registered`);
    return secret;
  };
  const getApi = async <T = unknown>(path: string) => getJson<T>(api(path), await running().authHeaders());

  /** The device's open mqtt.js connection, made on first use. */
  async function clientOf(deviceId: string): Promise<MqttClient> {
    const open = clients.get(deviceId);
    if (open?.connected) return open;
    const client = await connectAsync(running().mqttUrl, {
      ...deviceMqttOptions(deviceId, secretOf(deviceId)),
      reconnectPeriod: 0,
      connectTimeout: 15_000,
    });
    clients.set(deviceId, client);
    return client;
  }

  /** Ends the device's mqtt.js connection: another connection with its client id would take its session over. */
  async function closeClientOf(deviceId: string): Promise<void> {
    const open = clients.get(deviceId);
    clients.delete(deviceId);
    await open?.endAsync();
  }

  beforeAll(async () => {
    service = await startServiceProcess({
      env: {
        DEMO: "0",
        // Debug level: the broker logs the connections it drops, which the first test looks for.
        LOG_LEVEL: "debug",
        // Some 150 devices connect from 127.0.0.1 within seconds; in the field each has its own address.
        MQTT_MAX_CONNECTIONS_PER_IP_PER_S: "1000",
      },
    });
    const devices = new Map(catalogue.devices).set(RAW_GARBAGE_DEVICE, ["pm25"]);
    for (const [deviceId, metrics] of devices) {
      secrets.set(deviceId, await service.registerDevice({ id: deviceId, metrics: [...metrics] }));
    }
  }, TEST_TIMEOUT_MS);

  afterAll(async () => {
    await Promise.all([...clients.values()].map((client) => client.endAsync(true)));
    rmSync(payloadDir, { recursive: true, force: true });
    if (service) {
      const code = await service.stop();
      rmSync(service.dataDir, { recursive: true, force: true });
      expect(code, service.output()).toBe(0);
    }
  }, TEST_TIMEOUT_MS);

  async function send(inputCase: InputCase, index: number): Promise<void> {
    if (inputCase.sender === "mqtt.js") {
      const client = await clientOf(inputCase.senderId);
      await client.publishAsync(inputCase.topic, inputCase.payload, { qos: inputCase.qos });
      return;
    }
    await closeClientOf(inputCase.senderId);
    const args = [
      "-h",
      "127.0.0.1",
      "-p",
      String(mqttPort()),
      ...mosquittoDeviceArgs(inputCase.senderId, secretOf(inputCase.senderId)),
      "-q",
      String(inputCase.qos),
      "-t",
      inputCase.topic,
    ];
    if (inputCase.payload.length === 0) args.push("-n");
    else {
      const file = join(payloadDir, `case-${index}.bin`);
      writeFileSync(file, inputCase.payload);
      args.push("-f", file);
    }
    const result = await runCommand("mosquitto_pub", args, 30_000);
    if (inputCase.refusedByBroker) {
      expect(result.code, `mosquitto_pub for '${inputCase.name}' should be disconnected`).not.toBe(0);
      expect(result.stderr).toMatch(/connection was lost/i);
    } else {
      expect(result.code, `mosquitto_pub for '${inputCase.name}': ${result.stderr}`).toBe(0);
    }
  }

  it(
    "takes in the whole mix, raw protocol garbage included, and stays up",
    async () => {
      const rawGarbageAt = Math.floor(sendOrder.length / 3);
      for (const [index, inputCase] of sendOrder.entries()) {
        if (index === rawGarbageAt) {
          await sendRawBytes(mqttPort(), random.bytes(1000));
          await sendRawBytes(mqttPort(), Buffer.from("GET /mqtt HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
          await sendRawBytes(
            mqttPort(),
            Buffer.concat([
              connectPacket(RAW_GARBAGE_DEVICE, secretOf(RAW_GARBAGE_DEVICE)),
              random.bytes(500),
            ]),
          );
        }
        await send(inputCase, index);
      }
      const viaMosquitto = sendOrder.filter((c) => c.sender === "mosquitto_pub").length;
      console.log(
        `seed ${SEED}: ${sendOrder.length} messages (${viaMosquitto} via mosquitto_pub), ` +
          `${sendOrder.reduce((n, c) => n + c.readings.length, 0)} valid readings, ` +
          `${sendOrder.reduce((n, c) => n + c.rejections.length, 0)} expected rejections`,
      );

      // Every mosquitto_pub run whose publish was let through ends a connection that published for
      // its device: the broker then announces that device offline, which the ingest takes in as a
      // status message too (at least these; an mqtt.js connection closed for a mosquitto_pub run of
      // the same device adds one more).
      const offlineNotices = sendOrder.filter(
        (c) => c.sender === "mosquitto_pub" && !c.refusedByBroker,
      ).length;
      let lastCounts = "";
      const settled = await pollUntil(
        "the ingest to take in and flush every message",
        async () => {
          const { text } = await getText(api("/metrics"), running().metricsHeaders());
          const count = (kind: string) => labelledSample(text, "envmon_ingest_messages_total", { kind });
          // Messages on topics with an invalid device id are counted as "other".
          const onDeviceTopics = count("readings") + count("other");
          const status = count("status");
          const pending = metricSamples(text, "envmon_ingest_pending_messages").get("");
          lastCounts = `readings+other ${onDeviceTopics}/${catalogue.readingsMessages}, status ${status}/${catalogue.statusMessages + offlineNotices}, pending ${pending}`;
          return onDeviceTopics >= catalogue.readingsMessages &&
            status >= catalogue.statusMessages + offlineNotices &&
            pending === 0
            ? { onDeviceTopics }
            : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 200 },
      ).catch((error: unknown) => {
        throw new Error(`${(error as Error).message} (${lastCounts})\n${running().output().slice(-5000)}`);
      });
      // More than sent would mean a message was taken in twice.
      expect
        .soft(settled.onDeviceTopics, "messages the ingest took in on sensors/+/readings")
        .toBe(catalogue.readingsMessages);
      // The ingest runs at the broker's edge (no MQTT connection of its own that could drop and
      // take messages in twice): the exact count above is what shows nothing was taken in twice.
      expect(running().child.exitCode).toBeNull();
      expect(running().child.signalCode).toBeNull();
      expect(await getJson(api("/healthz"))).toMatchObject({ status: 200, body: { status: "ok" } });
      expect(await getJson(api("/readyz"))).toMatchObject({
        status: 200,
        body: { ready: true, checks: { broker: true, store: true, ingest: true } },
      });
      // The ingest logs this when validation itself blew up on a message, which then is neither
      // stored, nor dead-lettered, nor acknowledged.
      expect.soft(running().output()).not.toContain("could not handle message");
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "stored every valid reading with its exact value and time, and nothing that was refused",
    async () => {
      const from = new Date(startedAt - HOUR_MS).toISOString();
      const to = new Date(startedAt + 10 * 60_000).toISOString();
      const series = async (deviceId: string, metric: string) => {
        const query = new URLSearchParams({ device: deviceId, metric, from, to });
        const { status, body } = await getApi<{
          points: Array<{ ts: string; value: number }>;
          truncated: boolean;
        }>(`/api/v1/readings?${query}`);
        expect(status).toBe(200);
        expect(body.truncated).toBe(false);
        return body.points;
      };

      const expected = new Map<string, Array<{ ts: number; value: number }>>();
      for (const c of sendOrder) {
        for (const r of c.readings) {
          const key = `${r.deviceId}|${r.metric}`;
          expected.set(key, [...(expected.get(key) ?? []), { ts: r.ts, value: r.value }]);
        }
      }
      let checkedPoints = 0;
      for (const [key, points] of expected) {
        const [deviceId, metric] = key.split("|") as [string, string];
        const want = points
          .sort((a, b) => a.ts - b.ts)
          .map((p) => ({ ts: new Date(p.ts).toISOString(), value: p.value }));
        expect.soft(await series(deviceId, metric), `series ${key}`).toEqual(want);
        checkedPoints += want.length;
      }
      expect(checkedPoints).toBeGreaterThan(1000);

      for (const c of sendOrder) {
        for (const r of c.arrivalTimeReadings) {
          const points = await series(r.deviceId, r.metric);
          expect
            .soft(
              points.map((p) => p.value),
              `${c.name}: ${r.deviceId} ${r.metric}`,
            )
            .toEqual([r.value]);
          const ts = Date.parse(points[0]?.ts ?? "");
          expect.soft(ts >= startedAt && ts <= Date.now(), `${c.name}: stamped at arrival`).toBe(true);
        }
        for (const empty of c.emptySeries) {
          expect.soft(await series(empty.deviceId, empty.metric), `${c.name}: nothing stored`).toEqual([]);
        }
      }
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "dead-lettered every invalid input with the right reason",
    async () => {
      const letters: DeadLetterBody[] = [];
      let before: number | null = null;
      do {
        const page: { body: { rejected: DeadLetterBody[]; nextBefore: number | null } } = await getApi(
          `/api/v1/rejected?limit=1000${before === null ? "" : `&before=${before}`}`,
        );
        letters.push(...page.body.rejected);
        before = page.body.nextBefore;
      } while (before !== null);
      letters.sort((a, b) => a.id - b.id);

      const got = new Map<string, DeadLetterBody[]>();
      for (const letter of letters) got.set(letter.topic, [...(got.get(letter.topic) ?? []), letter]);
      const want = new Map<string, Array<{ inputCase: InputCase; rejection: ExpectedRejection }>>();
      for (const inputCase of sendOrder) {
        const list = want.get(inputCase.topic) ?? [];
        for (const rejection of inputCase.rejections) list.push({ inputCase, rejection });
        want.set(inputCase.topic, list);
      }

      for (const topic of new Set([...got.keys(), ...want.keys()])) {
        const actual = got.get(topic) ?? [];
        const expected = want.get(topic) ?? [];
        const names =
          [...new Set(expected.map((e) => `${e.inputCase.name} via ${e.inputCase.sender}`))].join(", ") ||
          "no case";
        const label = `dead letters on ${JSON.stringify(topic.slice(0, 90))} (${names})`;
        expect.soft(actual.map(identity), label).toEqual(expected.map((e) => identity(e.rejection)));
        if (actual.length !== expected.length) continue;
        for (const [i, letter] of actual.entries()) {
          const { rejection } = expected[i] as { rejection: ExpectedRejection };
          expect.soft(letter.deviceId, label).toBe(topic.split("/")[1]);
          expect.soft(Number.isNaN(Date.parse(letter.receivedAt)), label).toBe(false);
          if (rejection.messageIncludes !== undefined) {
            expect.soft(letter.message, label).toContain(rejection.messageIncludes);
          }
          if (rejection.payload !== undefined) expect.soft(letter.payload, label).toBe(rejection.payload);
          if (rejection.truncated !== undefined)
            expect.soft(letter.truncated, label).toBe(rejection.truncated);
          if (rejection.payloadLength !== undefined) {
            expect.soft(letter.payload.length, label).toBe(rejection.payloadLength);
          }
        }
      }
      const expectedTotal = sendOrder.reduce((n, c) => n + c.rejections.length, 0);
      expect(letters.length).toBe(expectedTotal);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "counts rejections per reason exactly as sent",
    async () => {
      const { text } = await getText(api("/metrics"), running().metricsHeaders());
      const counted: Record<string, number> = {};
      const sent: Record<string, number> = {};
      for (const reason of REJECTION_REASONS) {
        counted[reason] = labelledSample(text, "envmon_ingest_rejected_total", { reason });
        sent[reason] = 0;
      }
      for (const c of sendOrder) for (const r of c.rejections) sent[r.reason] = (sent[r.reason] ?? 0) + 1;
      expect(counted).toEqual(sent);
      // Refused by the broker before the ingest: publishes to another topic than the device's own
      // (among them every id the protocol does not allow), and payloads over the size limit.
      const refused = labelledSample(text, "envmon_broker_refused_publishes_total", {
        reason: "topic_not_allowed",
      });
      expect(refused).toBe(catalogue.refusedByBroker.topic_not_allowed);
      expect(catalogue.refusedByBroker.topic_not_allowed).toBeGreaterThan(0);
      const oversized = labelledSample(text, "envmon_broker_limit_violations_total", {
        limit: "payload_size",
      });
      expect(oversized).toBe(catalogue.refusedByBroker.payload_size);
      expect(catalogue.refusedByBroker.payload_size).toBeGreaterThan(0);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "lists only devices with valid ids, whatever was published on odd topics",
    async () => {
      const { body } = await getApi<{ devices: Array<{ id: string }> }>("/api/v1/devices");
      const invalid = body.devices.map((d) => d.id).filter((id) => !DEVICE_ID_PATTERN.test(id));
      expect(invalid).toEqual([]);
      expect(body.devices.map((d) => d.id)).toEqual(
        expect.arrayContaining(["good-air-01", "good-weather-01"]),
      );
    },
    TEST_TIMEOUT_MS,
  );
});
