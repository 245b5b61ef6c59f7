import { randomUUID } from "node:crypto";
import mqtt, { type MqttClient } from "mqtt";
import type { Logger } from "pino";
import type { DeviceRegistry, StatusChange } from "../../devices/index.js";
import { admitReadings, type IngestPolicy } from "../../devices/index.js";
import type { Clock } from "../../kernel/clock.js";
import { MAX_ERRORS_REPORTED_TO_DEVICE } from "../../kernel/limits.js";
import type { Reading } from "../../kernel/reading.js";
import type { Rejection } from "../../kernel/rejections.js";
import {
  deviceTopic,
  parseDeviceTopic,
  READINGS_SUBSCRIPTION,
  STATUS_SUBSCRIPTION,
} from "../../kernel/topics.js";
import type { StoredReadingsFeed } from "../feed/stored-readings-feed.js";
import {
  invalidDeviceIdRejection,
  parseReadingsMessage,
  parseStatusMessage,
  retainedReadingRejection,
} from "../model/readings-message.js";
import type { DeadLetterRepository, NewDeadLetter } from "../store/dead-letter-repository.js";
import type { TimeSeriesStore } from "../store/time-series-store.js";
import { deliverWithDeferredAcks, type IncomingMessage } from "./deferred-ack.js";
import type { IngestMetrics } from "./metrics.js";
import { type BatchItem, createWriteBatcher } from "./write-batcher.js";

export interface IngestWorkerOptions {
  readonly brokerUrl: string;
  readonly clientId: string;
  readonly username?: string;
  readonly password?: string;
  readonly batchSize: number;
  readonly batchDelayMs: number;
  readonly maxPending: number;
  readonly maxPayloadBytes: number;
  readonly drainTimeoutMs: number;
}

export interface IngestWorkerDeps {
  readonly store: TimeSeriesStore;
  readonly registry: DeviceRegistry;
  readonly deadLetters: DeadLetterRepository;
  readonly feed: StoredReadingsFeed;
  readonly metrics: IngestMetrics;
  readonly logger: Logger;
  readonly clock: Clock;
}

export interface IngestWorker {
  start(): Promise<void>;
  isReady(): boolean;
  /** Takes in everything the broker already holds for us, makes it durable, acknowledges it, disconnects. */
  stop(): Promise<void>;
}

interface IngestItem extends BatchItem {
  readonly readings: readonly Reading[];
  readonly deadLetters: readonly NewDeadLetter[];
  readonly status?: StatusChange;
  readonly deviceId?: string;
  readonly rejections: readonly Rejection[];
  readonly topic: string;
  readonly receivedAt: number;
}

/** No batch made durable for this long while work waits: the ingest is not ready. */
const STALLED_AFTER_MS = 60_000;

const DEVICE_TOPIC_SHAPE = /^sensors\/[^/]*\/(readings|status)$/;

/** Where the ingest sends itself a marker on shutdown: everything queued before it has arrived once it does. */
const drainTopic = (clientId: string) => `services/${clientId}/drain`;

export function createIngestWorker(options: IngestWorkerOptions, deps: IngestWorkerDeps): IngestWorker {
  const { store, registry, deadLetters, feed, metrics, logger, clock } = deps;
  let client: MqttClient | undefined;
  let subscribed = false;
  let drainMarker: { id: string; arrived: () => void } | undefined;

  const batcher = createWriteBatcher<IngestItem>({
    maxSize: options.batchSize,
    maxDelayMs: options.batchDelayMs,
    maxPending: options.maxPending,
    flush: writeBatch,
    onFlushError: (error, attempt) => {
      metrics.batchWriteFailures.inc();
      logger.error(
        { err: error, attempt },
        "batch write failed; retrying, nothing is acknowledged meanwhile",
      );
    },
    onPendingChange: (n) => metrics.pendingMessages.set(n),
  });

  async function writeBatch(items: readonly IngestItem[]): Promise<void> {
    const endTimer = metrics.batchWriteSeconds.startTimer();
    const readings = items.flatMap((i) => i.readings);
    const devices = new Set<string>();
    for (const item of items) if (item.deviceId) devices.add(item.deviceId);
    await registry.noteSeen(devices);
    await store.write(readings);
    await deadLetters.insertMany(items.flatMap((i) => i.deadLetters));
    await registry.setStatuses(items.flatMap((i) => (i.status ? [i.status] : [])));
    endTimer();
    metrics.readingsStored.inc(readings.length);
    if (readings.length > 0) feed.publish(readings);
  }

  function reportToDevice(item: IngestItem): void {
    if (!item.deviceId || item.rejections.length === 0 || !client?.connected) return;
    const body = {
      at: new Date(clock.now()).toISOString(),
      topic: item.topic,
      rejected: item.rejections.length,
      errors: item.rejections.slice(0, MAX_ERRORS_REPORTED_TO_DEVICE).map((r) => ({
        reason: r.reason,
        message: r.message,
        ...(r.entryIndex === undefined ? {} : { entryIndex: r.entryIndex }),
        ...(r.metric === undefined ? {} : { metric: r.metric }),
      })),
    };
    client.publish(deviceTopic(item.deviceId, "errors"), JSON.stringify(body), { qos: 0 });
  }

  function itemFor(message: IncomingMessage): IngestItem | undefined {
    const receivedAt = clock.now();
    const { topic, payload } = message;
    if (drainMarker && topic === drainTopic(options.clientId)) {
      if (payload.toString() === drainMarker.id) drainMarker.arrived();
      return undefined;
    }
    const item = (
      deviceId: string | undefined,
      content: Pick<IngestItem, "readings" | "rejections" | "status">,
    ) => {
      for (const r of content.rejections) metrics.rejected.inc({ reason: r.reason });
      return {
        ...content,
        topic,
        receivedAt,
        onDurable: message.ack,
        size: Math.max(1, content.readings.length),
        deadLetters: content.rejections.map(
          (r): NewDeadLetter => ({
            ...r,
            receivedAt,
            deviceId: deviceId ?? topic.split("/")[1] ?? null,
            topic,
          }),
        ),
        ...(deviceId === undefined ? {} : { deviceId }),
      };
    };

    const parsed = parseDeviceTopic(topic);
    if (parsed?.kind === "readings") {
      metrics.messagesIn.inc({ kind: "readings" });
      // A broker sets the retain flag only on what it sends for a new subscription: the stored copy
      // of a retained reading, handed out again on each reconnect. Never a new point.
      if (message.retain) {
        return item(parsed.deviceId, { readings: [], rejections: [retainedReadingRejection(payload)] });
      }
      const result = parseReadingsMessage({
        deviceId: parsed.deviceId,
        payload,
        receivedAt,
        maxPayloadBytes: options.maxPayloadBytes,
      });
      return item(parsed.deviceId, result);
    }
    if (parsed?.kind === "status") {
      metrics.messagesIn.inc({ kind: "status" });
      const result = parseStatusMessage(payload);
      return result.ok
        ? item(parsed.deviceId, {
            readings: [],
            rejections: [],
            status: { deviceId: parsed.deviceId, status: result.status, at: receivedAt },
          })
        : item(parsed.deviceId, { readings: [], rejections: [result.rejection] });
    }
    if (DEVICE_TOPIC_SHAPE.test(topic)) {
      // Our subscriptions matched, so only the device id level is wrong: refuse it visibly.
      metrics.messagesIn.inc({ kind: topic.endsWith("/status") ? "status" : "readings" });
      return item(undefined, { readings: [], rejections: [invalidDeviceIdRejection(payload)] });
    }
    metrics.messagesIn.inc({ kind: "other" });
    logger.warn({ topic }, "message on a topic it does not handle; acknowledged and ignored");
    return undefined;
  }

  /** The registry's answer, retried like a failed batch while the connection waits (backpressure). */
  async function policyOf(deviceId: string): Promise<IngestPolicy> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await registry.ingestPolicyOf(deviceId);
      } catch (error) {
        // Stopped meanwhile: leave the message unacknowledged; the broker redelivers it.
        if (!client) throw error;
        logger.error(
          { err: error, attempt, deviceId },
          "could not look up the device's registration; retrying",
        );
        await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 50 * 2 ** Math.min(attempt, 7))));
      }
    }
  }

  /**
   * Applies the device's registration: metrics it is not registered for are refused, the others
   * calibrated (devices/model/calibration.ts). The policy is cached by the registry, so this is usually
   * one map lookup; the connection waits for it, which keeps messages in order.
   */
  async function admit(item: IngestItem, deviceId: string): Promise<IngestItem> {
    const admitted = admitReadings(item.readings, await policyOf(deviceId));
    if (admitted.rejections.length === 0) return { ...item, readings: admitted.readings };
    for (const r of admitted.rejections) metrics.rejected.inc({ reason: r.reason });
    const { receivedAt } = item;
    return {
      ...item,
      readings: admitted.readings,
      size: Math.max(1, admitted.readings.length),
      rejections: [...item.rejections, ...admitted.rejections],
      deadLetters: [
        ...item.deadLetters,
        ...admitted.rejections.map((r): NewDeadLetter => ({ ...r, receivedAt, deviceId, topic: item.topic })),
      ],
    };
  }

  function onMessage(message: IncomingMessage): Promise<void> | undefined {
    let item: IngestItem | undefined;
    try {
      item = itemFor(message);
    } catch (error) {
      // Validation is total, so this is a bug; keep the message unacknowledged for redelivery.
      logger.error({ err: error, topic: message.topic }, "could not handle message");
      return undefined;
    }
    if (!item) {
      message.ack();
      return undefined;
    }
    const enqueue = (admitted: IngestItem) =>
      batcher.add({
        ...admitted,
        onDurable: () => {
          admitted.onDurable();
          reportToDevice(admitted);
        },
      });
    if (!item.deviceId || item.readings.length === 0) return enqueue(item);
    return admit(item, item.deviceId).then(enqueue, (error: unknown) => {
      logger.warn({ err: error, topic: message.topic }, "stopped before the message was admitted");
    });
  }

  async function waitForDrainMarker(): Promise<void> {
    if (!client?.connected || !subscribed) return;
    const id = randomUUID();
    const arrived = new Promise<void>((resolve) => {
      drainMarker = { id, arrived: resolve };
    });
    // QoS 1 like the readings, so that it queues behind them; not awaited, because its
    // acknowledgement could be stuck behind a connection we stopped reading (backpressure).
    client.publish(drainTopic(options.clientId), id, { qos: 1 });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        logger.warn("drain marker did not come back in time; flushing what arrived");
        resolve();
      }, options.drainTimeoutMs);
    });
    await Promise.race([arrived, timeout]);
    clearTimeout(timer);
    drainMarker = undefined;
  }

  return {
    async start() {
      const mqttClient = mqtt.connect(options.brokerUrl, {
        clientId: options.clientId,
        clean: false,
        protocolVersion: 4,
        reconnectPeriod: 1000,
        ...(options.username ? { username: options.username } : {}),
        ...(options.password ? { password: options.password } : {}),
      });
      client = mqttClient;
      deliverWithDeferredAcks(mqttClient, onMessage);
      await new Promise<void>((resolve, reject) => {
        mqttClient.on("connect", (connack) => {
          logger.info({ sessionPresent: connack.sessionPresent }, "connected to broker");
          // Subscribing again is harmless and covers a broker that lost the session.
          mqttClient
            .subscribeAsync({
              [READINGS_SUBSCRIPTION]: { qos: 1 },
              [STATUS_SUBSCRIPTION]: { qos: 1 },
              [drainTopic(options.clientId)]: { qos: 1 },
            })
            .then(() => {
              subscribed = true;
              resolve();
            })
            .catch((err: unknown) => logger.error({ err }, "subscribe failed"));
        });
        mqttClient.on("close", () => {
          subscribed = false;
        });
        // A broker that is not up yet is waited for (mqtt.js reconnects); a refusal (CONNACK code) is final.
        mqttClient.on("error", (err) => {
          logger.error({ err }, "MQTT error");
          if ("code" in err && typeof err.code === "number" && !subscribed) {
            mqttClient.end(true);
            reject(err);
          }
        });
      });
    },

    // A batch that keeps failing stalls everything behind it: say so rather than look healthy.
    isReady: () => subscribed && client?.connected === true && batcher.stalledForMs() < STALLED_AFTER_MS,

    async stop() {
      if (!client) return;
      await waitForDrainMarker();
      await batcher.drain();
      await client.endAsync();
      client = undefined;
      subscribed = false;
    },
  };
}
