import mqtt from "mqtt";
import type { Logger } from "pino";
import { z } from "zod";
import { METRIC_KEYS, type MetricKey } from "../../kernel/catalogue.js";
import type { Reading } from "../../kernel/reading.js";
import { DEVICE_ID_PATTERN, STORED_READINGS_TOPIC } from "../../kernel/topics.js";
import { createListenerSet, type ListenerErrorHandler } from "../../platform/listeners.js";
import type { StoredReadingsFeed } from "./stored-readings-feed.js";

// Compact rows keep a 5000-reading batch to one small message: [deviceId, metric, ts, value].
const rowsSchema = z.array(
  z.tuple([
    z.string().regex(DEVICE_ID_PATTERN),
    z.enum(METRIC_KEYS as [MetricKey, ...MetricKey[]]),
    z.number().int(),
    z.number(),
  ]),
);

/** A batch of stored readings as it travels on STORED_READINGS_TOPIC. */
export const encodeStoredReadings = (readings: readonly Reading[]): string =>
  JSON.stringify(readings.map((r) => [r.deviceId, r.metric, r.ts, r.value]));

/**
 * The feed of an ingest that runs inside the broker's process while the API runs elsewhere: it
 * publishes through that broker directly (no MQTT client of its own); the API processes hear it
 * with createMqttReadingsFeed. Nothing in this process listens.
 */
export function createBrokerPublishedFeed(
  publish: (topic: string, payload: string) => void,
): StoredReadingsFeed {
  return {
    publish: (readings) => publish(STORED_READINGS_TOPIC, encodeStoredReadings(readings)),
    subscribe: () => () => {},
    close: async () => {},
  };
}

/**
 * The stored-readings feed across processes, through the broker (QoS 0: live display only;
 * the store is the record). Used when ingest and API run in different processes.
 */
export async function createMqttReadingsFeed(options: {
  readonly brokerUrl: string;
  readonly clientId: string;
  /** The service's MQTT credentials (username = clientId). */
  readonly username?: string;
  readonly password?: string;
  readonly logger: Logger;
  readonly onListenerError: ListenerErrorHandler;
}): Promise<StoredReadingsFeed> {
  const { logger } = options;
  const client = await mqtt.connectAsync(options.brokerUrl, {
    clientId: options.clientId,
    ...(options.username === undefined ? {} : { username: options.username }),
    ...(options.password === undefined ? {} : { password: options.password }),
    protocolVersion: 4,
    reconnectPeriod: 1000,
  });
  const listeners = createListenerSet<[readonly Reading[]]>("stored readings", options.onListenerError);
  let subscribed = false;

  client.on("message", (_topic, payload) => {
    let rows: z.infer<typeof rowsSchema>;
    try {
      rows = rowsSchema.parse(JSON.parse(payload.toString("utf8")));
    } catch (err) {
      logger.warn({ err }, "ignored a malformed stored-readings message");
      return;
    }
    const readings = rows.map(([deviceId, metric, ts, value]) => ({ deviceId, metric, ts, value }));
    listeners.emit(readings);
  });

  return {
    publish(readings) {
      client.publish(STORED_READINGS_TOPIC, encodeStoredReadings(readings), { qos: 0 });
    },
    subscribe(listener) {
      const unsubscribe = listeners.add(listener);
      if (!subscribed) {
        subscribed = true;
        client.subscribe(STORED_READINGS_TOPIC, { qos: 0 });
      }
      return unsubscribe;
    },
    async close() {
      await client.endAsync();
    },
  };
}
