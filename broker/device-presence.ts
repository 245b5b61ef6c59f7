import type { Aedes, Client, PublishPacket } from "aedes";
import type { Logger } from "pino";
import { deviceTopic, parseDeviceTopic } from "../kernel/topics.js";

/**
 * Marks devices offline when their connection ends, from the broker's own disconnect events:
 * a device that disconnects cleanly sends no will, and one whose will was never set would
 * otherwise stay "online" for ever. Devices are learnt from the topics a connection publishes
 * on (until devices authenticate, a client id is not proof of a device id).
 */
export function trackDevicePresence(aedes: Aedes, logger: Logger): void {
  const devicesOf = new Map<Client, Set<string>>();

  // Recorded at authorisation, which runs as the packet arrives: the broker's "publish" event
  // can come after the disconnect of a client that publishes once and leaves.
  const authorize = aedes.authorizePublish;
  aedes.authorizePublish = (client, packet, callback) => {
    if (client) notePublish(client, packet);
    authorize.call(aedes, client, packet, callback);
  };

  function notePublish(client: Client, packet: PublishPacket): void {
    const topic = parseDeviceTopic(packet.topic);
    if (!topic || topic.kind === "errors") return;
    let devices = devicesOf.get(client);
    if (!devices) {
      devices = new Set();
      devicesOf.set(client, devices);
    }
    if (topic.kind === "status" && packet.payload.toString() === "offline") devices.delete(topic.deviceId);
    else devices.add(topic.deviceId);
  }

  aedes.on("clientDisconnect", (client) => {
    const devices = devicesOf.get(client);
    devicesOf.delete(client);
    if (!devices || aedes.closed) return;
    for (const deviceId of devices) {
      aedes.publish(
        {
          cmd: "publish",
          topic: deviceTopic(deviceId, "status"),
          payload: Buffer.from("offline"),
          qos: 1,
          retain: true,
          dup: false,
        },
        (err) => {
          if (err) logger.warn({ err, deviceId }, "could not publish offline status");
        },
      );
    }
  });
}
