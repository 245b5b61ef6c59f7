/**
 * One simulated device's MQTT connection (protocol v1): will + retained status, readings at QoS 1,
 * rejections from the service on its errors topic, and a local buffer while the link is down.
 */
import mqtt, { type MqttClient } from "mqtt";
import { deviceTopic } from "../kernel/topics.js";
import { MAX_BACKLOG_READINGS, type TimedReading } from "./sensor-faults.js";

export interface SimulatorLogger {
  debug(details: object, message: string): void;
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

const ignore = () => {};
export const SILENT_LOGGER: SimulatorLogger = { debug: ignore, info: ignore, warn: ignore, error: ignore };

/** Shared, mutable tallies; the fleet owns one and every connection adds to it. */
export interface PublishCounters {
  /** Reading messages handed to the client (a backlog array is one message). */
  published: number;
  /** Reading messages the broker acknowledged (PUBACK). */
  acked: number;
  /** Failed publishes and connection errors. */
  errors: number;
  /** Messages the service sent back on the device's errors topic. */
  rejected: number;
  /** Messages that carried an array of past readings. */
  backlogUploads: number;
}

export function createPublishCounters(): PublishCounters {
  return { published: 0, acked: 0, errors: 0, rejected: 0, backlogUploads: 0 };
}

export interface DeviceConnection {
  readonly deviceId: string;
  isConnected(): boolean;
  /** The most recent client error, for diagnostics. */
  lastError(): string | null;
  /**
   * Resolves once the device is connected and its retained "online" status is acknowledged;
   * rejects on an error before the first connection, or when closed before connecting.
   */
  readonly ready: Promise<void>;
  /** Publishes one reading, or a backlog array; buffers while disconnected. */
  send(payload: TimedReading | readonly TimedReading[]): void;
  /** Publishes retained "offline" (if connected) and disconnects cleanly. */
  close(): Promise<void>;
}

const CLOSE_STEP_TIMEOUT_MS = 5_000;

export function openDeviceConnection(options: {
  readonly brokerUrl: string;
  readonly deviceId: string;
  /** The device's broker secret; the username is the device id. Absent: connect without credentials. */
  readonly password?: string;
  readonly counters: PublishCounters;
  readonly logger: SimulatorLogger;
}): DeviceConnection {
  const { brokerUrl, deviceId, counters, logger } = options;
  const readingsTopic = deviceTopic(deviceId, "readings");
  const statusTopic = deviceTopic(deviceId, "status");
  const errorsTopic = deviceTopic(deviceId, "errors");

  const client: MqttClient = mqtt.connect(brokerUrl, {
    clientId: deviceId,
    ...(options.password === undefined ? {} : { username: deviceId, password: options.password }),
    protocolVersion: 4,
    clean: true,
    keepalive: 30,
    reconnectPeriod: 2_000,
    connectTimeout: 10_000,
    will: { topic: statusTopic, payload: Buffer.from("offline"), qos: 1, retain: true },
  });

  let offlineBuffer: TimedReading[] = [];
  let closing = false;
  let everConnected = false;
  let lastErrorMessage: string | null = null;
  let markReady: () => void = () => {};
  let failReady: (error: Error) => void = () => {};
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    failReady = reject;
  });
  // A rejection nobody awaits (e.g. after stop()) must not crash the process.
  ready.catch(() => {});

  const publish = (body: TimedReading | readonly TimedReading[]) => {
    const isBacklog = Array.isArray(body);
    counters.published += 1;
    if (isBacklog) counters.backlogUploads += 1;
    client.publish(readingsTopic, JSON.stringify(body), { qos: 1 }, (error) => {
      if (error) {
        counters.errors += 1;
        logger.debug({ deviceId, err: error.message }, "publish failed");
      } else {
        counters.acked += 1;
      }
    });
    if (isBacklog) {
      logger.debug({ deviceId, readings: (body as readonly TimedReading[]).length }, "backlog uploaded");
    }
  };

  const flushOfflineBuffer = () => {
    const pending = offlineBuffer;
    offlineBuffer = [];
    for (let start = 0; start < pending.length; start += MAX_BACKLOG_READINGS) {
      publish(pending.slice(start, start + MAX_BACKLOG_READINGS));
    }
  };

  client.on("connect", () => {
    const firstTime = !everConnected;
    everConnected = true;
    logger.debug({ deviceId, reconnect: !firstTime }, "device connected");
    client.publish(statusTopic, "online", { qos: 1, retain: true }, (error) => {
      if (error) {
        counters.errors += 1;
        logger.warn({ deviceId, err: error.message }, "could not publish online status");
      } else {
        markReady();
      }
    });
    // mqtt.js re-subscribes by itself after a reconnect.
    if (firstTime) {
      client.subscribe(errorsTopic, { qos: 1 }, (error) => {
        if (error) logger.warn({ deviceId, err: error.message }, "could not subscribe to errors topic");
      });
    }
    flushOfflineBuffer();
  });

  client.on("message", (topic, payload) => {
    if (topic !== errorsTopic) return;
    counters.rejected += 1;
    logger.debug({ deviceId, rejection: parseJsonOrText(payload) }, "reading rejected by the service");
  });

  client.on("error", (error) => {
    counters.errors += 1;
    // Before the first connection an error (refused, unknown host, bad credentials) means "cannot start".
    if (!everConnected) failReady(error);
    const level = error.message === lastErrorMessage ? "debug" : "warn";
    lastErrorMessage = error.message;
    logger[level]({ deviceId, err: error.message }, "MQTT client error");
  });

  client.on("close", () => {
    if (everConnected && !closing) logger.debug({ deviceId }, "connection closed; will reconnect");
  });

  return {
    deviceId,
    ready,
    isConnected: () => client.connected,
    lastError: () => lastErrorMessage,
    send(body) {
      if (closing) return;
      if (client.connected) {
        publish(body);
        return;
      }
      // Like a real data logger: keep readings while the uplink is down, oldest dropped first.
      offlineBuffer.push(...(Array.isArray(body) ? body : [body as TimedReading]));
      if (offlineBuffer.length > MAX_BACKLOG_READINGS)
        offlineBuffer = offlineBuffer.slice(-MAX_BACKLOG_READINGS);
    },
    async close() {
      if (closing) return;
      closing = true;
      failReady(new Error(`device ${deviceId} was stopped before it connected`));
      if (client.connected) {
        try {
          await withTimeout(
            client.publishAsync(statusTopic, "offline", { qos: 1, retain: true }),
            CLOSE_STEP_TIMEOUT_MS,
          );
        } catch (error) {
          counters.errors += 1;
          logger.warn({ deviceId, err: (error as Error).message }, "could not publish offline status");
        }
        try {
          // Not forced: lets in-flight QoS 1 readings finish first.
          await withTimeout(client.endAsync(), CLOSE_STEP_TIMEOUT_MS);
          return;
        } catch {
          logger.warn({ deviceId }, "clean disconnect timed out; closing the socket");
        }
      }
      await client.endAsync(true);
    },
  };
}

function parseJsonOrText(payload: Buffer): unknown {
  const text = payload.toString("utf8");
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
