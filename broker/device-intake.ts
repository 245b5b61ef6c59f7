/**
 * Devices' messages taken in at the broker's edge, for a service whose ingest runs in the
 * broker's process. Aedes calls `authorizePublish` before it answers a QoS 1 PUBLISH and waits
 * for its callback: holding the callback until the reading is stored means the PUBACK promises
 * durability, and a connection whose readings wait stops being read (Aedes reads a client's next
 * packets only when the ones before are handled), so a slow store slows devices down instead of
 * filling memory. Both are documented Aedes hooks (`authorizePublish`, the `publish` event).
 */
import type { Aedes, Client, PublishPacket } from "aedes";
import { parseDeviceTopic } from "../kernel/topics.js";
import { BrokerRefusal } from "./refusal.js";

export interface DeviceMessage {
  readonly topic: string;
  readonly payload: Buffer;
  readonly retain: boolean;
}

export interface DeviceIntake {
  /**
   * A device's publish on its readings topic, after access control. The broker acknowledges it
   * once this resolves; if it rejects, the connection is closed and nothing is acknowledged.
   */
  readings(message: DeviceMessage): Promise<void>;
  /** A status the broker routed: from a device, its will, or the broker's own presence tracking. */
  status(message: DeviceMessage): void;
}

/** Installs the intake; call it before access control is installed, so that it runs after it. */
export function installDeviceIntake(
  aedes: Aedes,
  intake: DeviceIntake,
  isService: (client: Client) => boolean,
  onFailure: (error: unknown, topic: string) => void,
): void {
  const authorize = aedes.authorizePublish;
  aedes.authorizePublish = (client, packet, callback) => {
    if (!client || !isDeviceTopic(packet.topic, "readings") || isService(client)) {
      authorize.call(aedes, client, packet, callback);
      return;
    }
    intake.readings(messageOf(packet)).then(
      () => authorize.call(aedes, client, packet, callback),
      (error: unknown) => {
        onFailure(error, packet.topic);
        callback(new BrokerRefusal("the reading could not be stored"));
      },
    );
  };
  aedes.on("publish", (packet) => {
    if (isDeviceTopic(packet.topic, "status")) intake.status(messageOf(packet));
  });
}

/** Every publish passes here: the suffix test spares the full parse for the other topics. */
const isDeviceTopic = (topic: string, kind: "readings" | "status") =>
  topic.endsWith(`/${kind}`) && parseDeviceTopic(topic)?.kind === kind;

const messageOf = (packet: PublishPacket): DeviceMessage => ({
  topic: packet.topic,
  payload: Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload),
  retain: packet.retain,
});
