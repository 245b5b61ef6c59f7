import type { MqttClient } from "mqtt";
import { pubackWriter, SKIP_OWN_PUBACK } from "./mqttjs-puback-adapter.js";

export interface IncomingMessage {
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: number;
  readonly retain: boolean;
  /** Sends the PUBACK of a QoS 1 message; a no-op for QoS 0 and after a reconnect. */
  readonly ack: () => void;
}

/**
 * Lets the ingest acknowledge a QoS 1 message only once its batch is durable, without
 * stalling the connection for every message.
 *
 * mqtt.js sends a PUBACK after `handleMessage` calls back, and reads the next packet only
 * then, which would mean one message per disk flush. Calling back with an error makes it skip
 * its own PUBACK and go on reading (the error is not surfaced), and the PUBACK is sent later
 * through the client's packet writer: both mqtt.js internals, kept in mqttjs-puback-adapter.ts.
 * Acks are sent in arrival order, as MQTT 3.1.1 asks.
 * A PUBACK must never reach a later connection (message ids are per connection), so acks
 * from before a reconnect are dropped; the broker redelivers those and the store's upsert
 * makes that harmless for readings with `ts` (one without `ts` gets a new receipt time, so a
 * redelivery of one already stored adds a second point: README, "Readings").
 *
 * `onMessage` must not throw; it may return a promise to hold the connection (backpressure).
 */
export function deliverWithDeferredAcks(
  client: MqttClient,
  onMessage: (message: IncomingMessage) => void | Promise<void>,
): void {
  let connection = 0;
  client.on("connect", () => {
    connection += 1;
  });
  const sendPuback = pubackWriter(client);

  client.handleMessage = (packet, callback) => {
    const qos = packet.qos;
    const messageId = packet.messageId;
    const receivedOn = connection;
    let acked = false;
    const ack =
      qos === 1
        ? () => {
            if (acked) return;
            acked = true;
            if (receivedOn === connection && client.connected) sendPuback(messageId);
          }
        : () => {};
    const proceed = () => callback(qos === 1 ? SKIP_OWN_PUBACK : undefined);
    const message: IncomingMessage = {
      topic: packet.topic,
      payload: Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload),
      qos,
      retain: packet.retain,
      ack,
    };
    const held = onMessage(message);
    if (held) held.then(proceed, proceed);
    else proceed();
  };
}
