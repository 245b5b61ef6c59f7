/**
 * Hostile input against one running service: the process must survive all of it, store every
 * valid reading exactly, dead-letter every invalid one with the right reason, and count it.
 * The mix is seeded: a failure replays with the same SEED.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectAsync, type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEVICE_ID_PATTERN } from "../domain/topics.js";
import { runCommand } from "./support/command-line-client.js";
import {
  buildInputCases,
  type CaseCatalogue,
  type ExpectedRejection,
  type InputCase,
  REJECTION_REASONS,
} from "./support/garbage-input-cases.js";
import { getJson, getText } from "./support/http-json.js";
import { pollUntil, withTimeout } from "./support/poll.js";
import { labelledSample, metricSamples } from "./support/prometheus-text.js";
import { createSeededRandom } from "./support/seeded-random.js";
import { type ServiceProcess, startServiceProcess } from "./support/service-process.js";

const SEED = 20_261_121;
const TEST_TIMEOUT_MS = 120_000;
const HOUR_MS = 3_600_000;

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

/** An MQTT CONNECT (3.1.1, clean session) written by hand, to follow with bytes no client would send. */
function connectPacket(clientId: string): Buffer {
  const id = Buffer.from(clientId);
  const body = Buffer.concat([
    Buffer.from([0, 4]),
    Buffer.from("MQTT"),
    Buffer.from([4, 0b10, 0, 60, 0, id.length]),
    id,
  ]);
  return Buffer.concat([Buffer.from([0x10, body.length]), body]);
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
  let client: MqttClient | undefined;

  const running = (): ServiceProcess => {
    if (!service) throw new Error("service not started");
    return service;
  };
  const api = (path: string) => `${running().httpUrl}${path}`;
  const mqttPort = () => Number(new URL(running().mqttUrl).port);

  beforeAll(async () => {
    // Debug level: the broker logs the connections it drops, which the first test looks for.
    service = await startServiceProcess({ env: { DEMO: "0", LOG_LEVEL: "debug" } });
    client = await connectAsync(service.mqttUrl, {
      clientId: "garbage-sender",
      reconnectPeriod: 0,
      connectTimeout: 15_000,
    });
  }, TEST_TIMEOUT_MS);

  afterAll(async () => {
    await client?.endAsync(true);
    rmSync(payloadDir, { recursive: true, force: true });
    if (service) {
      const code = await service.stop();
      rmSync(service.dataDir, { recursive: true, force: true });
      expect(code, service.output()).toBe(0);
    }
  }, TEST_TIMEOUT_MS);

  async function send(inputCase: InputCase, index: number): Promise<void> {
    if (inputCase.sender === "mqtt.js") {
      if (!client) throw new Error("MQTT client not connected");
      await client.publishAsync(inputCase.topic, inputCase.payload, { qos: inputCase.qos });
      return;
    }
    const args = [
      "-h",
      "127.0.0.1",
      "-p",
      String(mqttPort()),
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
          await sendRawBytes(mqttPort(), Buffer.concat([connectPacket("raw-garbage"), random.bytes(500)]));
        }
        await send(inputCase, index);
      }
      const viaMosquitto = sendOrder.filter((c) => c.sender === "mosquitto_pub").length;
      console.log(
        `seed ${SEED}: ${sendOrder.length} messages (${viaMosquitto} via mosquitto_pub), ` +
          `${sendOrder.reduce((n, c) => n + c.readings.length, 0)} valid readings, ` +
          `${sendOrder.reduce((n, c) => n + c.rejections.length, 0)} expected rejections`,
      );

      // Every mosquitto_pub run ends a connection that published for one device: the broker then
      // announces that device offline, which the ingest takes in as a status message too.
      const offlineNotices = sendOrder.filter(
        (c) => c.sender === "mosquitto_pub" && DEVICE_ID_PATTERN.test(c.topic.split("/")[1] ?? ""),
      ).length;
      let lastCounts = "";
      const settled = await pollUntil(
        "the ingest to take in and flush every message",
        async () => {
          const { text } = await getText(api("/metrics"));
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
      // More than sent means the broker redelivered: the ingest lost its connection on the way.
      expect
        .soft(settled.onDeviceTopics, "messages the ingest took in on sensors/+/readings")
        .toBe(catalogue.readingsMessages);
      const brokerErrorsOfIngest = running()
        .output()
        .split("\n")
        .filter((line) => line.includes("broker: client error") && line.includes('"clientId":"svc-'));
      expect.soft(brokerErrorsOfIngest, "the broker dropped the ingest's connection").toEqual([]);
      expect
        .soft(running().output().split("ingest: connected to broker").length - 1, "ingest connections")
        .toBe(1);

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
        const { status, body } = await getJson<{
          points: Array<{ ts: string; value: number }>;
          truncated: boolean;
        }>(api(`/api/v1/readings?${query}`));
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
        const page: { body: { rejected: DeadLetterBody[]; nextBefore: number | null } } = await getJson(
          api(`/api/v1/rejected?limit=1000${before === null ? "" : `&before=${before}`}`),
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
      const { text } = await getText(api("/metrics"));
      const counted: Record<string, number> = {};
      const sent: Record<string, number> = {};
      for (const reason of REJECTION_REASONS) {
        counted[reason] = labelledSample(text, "envmon_ingest_rejected_total", { reason });
        sent[reason] = 0;
      }
      for (const c of sendOrder) for (const r of c.rejections) sent[r.reason] = (sent[r.reason] ?? 0) + 1;
      expect(counted).toEqual(sent);
      const refused = labelledSample(text, "envmon_broker_refused_publishes_total", {
        reason: "empty_topic_level",
      });
      expect(refused).toBe(catalogue.refusedByBroker);
      expect(catalogue.refusedByBroker).toBeGreaterThan(0);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "lists only devices with valid ids, whatever was published on odd topics",
    async () => {
      const { body } = await getJson<{ devices: Array<{ id: string }> }>(api("/api/v1/devices"));
      const invalid = body.devices.map((d) => d.id).filter((id) => !DEVICE_ID_PATTERN.test(id));
      expect(invalid).toEqual([]);
      expect(body.devices.map((d) => d.id)).toEqual(
        expect.arrayContaining(["good-air-01", "good-weather-01"]),
      );
    },
    TEST_TIMEOUT_MS,
  );
});
