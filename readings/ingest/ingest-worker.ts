import { randomUUID } from "node:crypto";
import mqtt, { type MqttClient } from "mqtt";
import { READINGS_SUBSCRIPTION, STATUS_SUBSCRIPTION } from "../../kernel/topics.js";
import { deliverWithDeferredAcks, type IncomingMessage } from "./deferred-ack.js";
import {
  createIngestPipeline,
  type IngestPipelineDeps,
  type IngestPipelineOptions,
} from "./ingest-pipeline.js";

/**
 * The ingest as an MQTT client of a broker in another process (Mosquitto, EMQX, or our own broker
 * run apart with PARTS): a persistent QoS 1 subscription to the devices' topics, each message
 * acknowledged to the broker only once it is durable (deferred PUBACK).
 */
export interface IngestWorkerOptions extends IngestPipelineOptions {
  readonly brokerUrl: string;
  readonly clientId: string;
  readonly username?: string;
  readonly password?: string;
  readonly drainTimeoutMs: number;
}

export type IngestWorkerDeps = Omit<IngestPipelineDeps, "sendToDevice">;

export interface IngestWorker {
  start(): Promise<void>;
  isReady(): boolean;
  /** Takes in everything the broker already holds for us, makes it durable, acknowledges it, disconnects. */
  stop(): Promise<void>;
}

/** No batch made durable for this long while work waits: the ingest is not ready. */
export const STALLED_AFTER_MS = 60_000;

/** Where the ingest sends itself a marker on shutdown: everything queued before it has arrived once it does. */
const drainTopic = (clientId: string) => `services/${clientId}/drain`;

export function createIngestWorker(options: IngestWorkerOptions, deps: IngestWorkerDeps): IngestWorker {
  const { logger } = deps;
  let client: MqttClient | undefined;
  let subscribed = false;
  let drainMarker: { id: string; arrived: () => void } | undefined;
  const pipeline = createIngestPipeline(options, {
    ...deps,
    sendToDevice: (topic, payload) => {
      if (client?.connected) client.publish(topic, payload, { qos: 0 });
    },
  });

  function onMessage(message: IncomingMessage): Promise<void> | undefined {
    if (drainMarker && message.topic === drainTopic(options.clientId)) {
      if (message.payload.toString() === drainMarker.id) drainMarker.arrived();
      message.ack();
      return undefined;
    }
    return pipeline.take(message);
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
    isReady: () => subscribed && client?.connected === true && pipeline.stalledForMs() < STALLED_AFTER_MS,

    async stop() {
      if (!client) return;
      await waitForDrainMarker();
      await pipeline.drain();
      pipeline.stop();
      await client.endAsync();
      client = undefined;
      subscribed = false;
    },
  };
}
