/**
 * What happens to a device's message, wherever it comes from (the embedded broker's intake or an
 * MQTT subscription): parsed and validated (readings/model), admitted by the device's registration,
 * written in group commits with its dead letters, then acknowledged (`ack` once durable), reported
 * to the device when something was refused, and announced on the stored-readings feed.
 */

import type { Logger } from "pino";
import type { DeviceRegistry, StatusChange } from "../../devices/index.js";
import { admitReadings, type IngestPolicy } from "../../devices/index.js";
import type { Clock } from "../../kernel/clock.js";
import { MAX_ERRORS_REPORTED_TO_DEVICE } from "../../kernel/limits.js";
import type { Reading } from "../../kernel/reading.js";
import type { Rejection } from "../../kernel/rejections.js";
import { deviceTopic, parseDeviceTopic } from "../../kernel/topics.js";
import type { StoredReadingsFeed } from "../feed/stored-readings-feed.js";
import {
  invalidDeviceIdRejection,
  parseReadingsMessage,
  parseStatusMessage,
  retainedReadingRejection,
} from "../model/readings-message.js";
import type { DeadLetterRepository, NewDeadLetter } from "../store/dead-letter-repository.js";
import type { TimeSeriesStore } from "../store/time-series-store.js";
import type { IngestMetrics } from "./metrics.js";
import { type BatchItem, createWriteBatcher } from "./write-batcher.js";

/** One device message as the pipeline takes it. */
export interface IncomingMessage {
  readonly topic: string;
  readonly payload: Buffer;
  /** Set by a broker only on the stored copy of a retained message. */
  readonly retain: boolean;
  /** Called once the message (its readings, dead letters, status) is durable. */
  readonly ack: () => void;
  /**
   * Called instead of `ack` when the message cannot be handled at all (a bug, or stopping before
   * its device's registration could be read); absent: it simply stays unacknowledged.
   */
  readonly fail?: (error: unknown) => void;
}

export interface IngestPipelineOptions {
  readonly batchSize: number;
  readonly batchDelayMs: number;
  readonly maxPending: number;
  readonly maxPayloadBytes: number;
}

export interface IngestPipelineDeps {
  readonly store: TimeSeriesStore;
  readonly registry: DeviceRegistry;
  readonly deadLetters: DeadLetterRepository;
  readonly feed: StoredReadingsFeed;
  readonly metrics: IngestMetrics;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Publishes a report to a device's errors topic (QoS 0); the source knows how. */
  readonly sendToDevice: (topic: string, payload: string) => void;
}

export interface IngestPipeline {
  /**
   * Takes one message; answers a promise when the caller should wait before taking more (the
   * pending work is at `maxPending`), else undefined. Never throws for bad input: that is refused.
   */
  take(message: IncomingMessage): Promise<void> | undefined;
  /** Resolves when everything taken so far is durable and acknowledged. */
  drain(): Promise<void>;
  /** How long work has waited without any batch becoming durable (readiness). */
  stalledForMs(): number;
  /** No more admissions will be retried (a lookup that keeps failing gives up). */
  stop(): void;
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

const DEVICE_TOPIC_SHAPE = /^sensors\/[^/]*\/(readings|status)$/;

export function createIngestPipeline(
  options: IngestPipelineOptions,
  deps: IngestPipelineDeps,
): IngestPipeline {
  const { store, registry, deadLetters, feed, metrics, logger, clock } = deps;
  let stopped = false;

  const batcher = createWriteBatcher<IngestItem>({
    maxSize: options.batchSize,
    maxDelayMs: options.batchDelayMs,
    maxPending: options.maxPending,
    now: () => clock.now(),
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
    if (!item.deviceId || item.rejections.length === 0) return;
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
    deps.sendToDevice(deviceTopic(item.deviceId, "errors"), JSON.stringify(body));
  }

  function itemFor(message: IncomingMessage): IngestItem | undefined {
    const receivedAt = clock.now();
    const { topic, payload } = message;
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
        if (stopped) throw error;
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

  function take(message: IncomingMessage): Promise<void> | undefined {
    let item: IngestItem | undefined;
    try {
      item = itemFor(message);
    } catch (error) {
      // Validation is total, so this is a bug; keep the message unacknowledged for redelivery.
      logger.error({ err: error, topic: message.topic }, "could not handle message");
      message.fail?.(error);
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
      message.fail?.(error);
    });
  }

  return {
    take,
    drain: () => batcher.drain(),
    stalledForMs: () => batcher.stalledForMs(),
    stop() {
      stopped = true;
    },
  };
}
