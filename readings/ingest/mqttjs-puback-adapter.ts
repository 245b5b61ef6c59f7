/**
 * The one place the ingest relies on mqtt.js internals (written against mqtt 5.16.0). mqtt.js
 * documents `handleMessage(packet, callback)` and acknowledges a QoS 1 message once the callback is
 * called; it has no public way to acknowledge later (`customHandleAcks` is for MQTT 5 and still
 * answers at the callback). Deferring the PUBACK takes two things it does not document:
 *  - calling `handleMessage`'s callback with an error makes its publish handler
 *    (build/lib/handlers/publish.js) skip its own PUBACK, and the client goes on reading;
 *  - `MqttClient#_sendPacket` (private) writes the PUBACK later.
 * mqttjs-puback-adapter.test.ts checks both against the installed mqtt.js and fails, naming this
 * file, when an upgrade changes either.
 */
import type { MqttClient } from "mqtt";

export const MQTTJS_ADAPTER = "readings/ingest/mqttjs-puback-adapter.ts";
export const MQTTJS_VERSION_WRITTEN_FOR = "5.16.0";

/** Given to `handleMessage`'s callback: mqtt.js then sends no PUBACK of its own (and does not surface it). */
export const SKIP_OWN_PUBACK: Error = new Error("ack deferred until the batch is durable");

/** Sends the PUBACK of a QoS 1 message on the client's current connection. */
export type PubackWriter = (messageId: number | undefined) => void;

/** The client's packet writer, for PUBACKs; throws, naming this adapter, if mqtt.js no longer has one. */
export function pubackWriter(client: MqttClient): PubackWriter {
  const sendPacket = (client as unknown as { _sendPacket?: unknown })._sendPacket;
  if (typeof sendPacket !== "function") {
    throw new Error(
      `${MQTTJS_ADAPTER}: mqtt.js has no MqttClient#_sendPacket any more (written for mqtt ${MQTTJS_VERSION_WRITTEN_FOR}); ` +
        "the ingest cannot send deferred PUBACKs",
    );
  }
  const send = (sendPacket as (packet: object) => void).bind(client);
  return (messageId) => send({ cmd: "puback", messageId });
}
