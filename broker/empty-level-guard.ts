import type { Aedes } from "aedes";

const HAS_EMPTY_LEVEL = /(^|\/)(\/|$)/;

/**
 * Refuses publishes whose topic has an empty level (`sensors//readings`, a leading or trailing
 * '/'). They are legal MQTT but name no device, and Aedes 1.2 with its in-memory persistence
 * mishandles them: the message reaches a persistent `sensors/+/readings` subscriber without being
 * queued for it, and that subscriber's acknowledgement then fails with "no such packet" and drops
 * its connection — any client could knock the ingest off the broker. MQTT 3.1.1 has no negative
 * PUBACK, so the publisher is disconnected; `onRefused` counts it.
 */
export function refuseEmptyTopicLevels(aedes: Aedes, onRefused: (topic: string) => void): void {
  const authorize = aedes.authorizePublish;
  aedes.authorizePublish = (client, packet, callback) => {
    if (HAS_EMPTY_LEVEL.test(packet.topic)) {
      onRefused(packet.topic);
      callback(new Error("topic has an empty level"));
      return;
    }
    authorize.call(aedes, client, packet, callback);
  };
}
