/**
 * The mqtt.js internals behind deferred PUBACKs, checked against the installed mqtt.js and a real
 * broker: when one of these fails after an upgrade, mqttjs-puback-adapter.ts needs a new way in.
 */
import type { Client } from "aedes";
import mqtt, { type IPublishPacket, type MqttClient } from "mqtt";
import { afterEach, describe, expect, it } from "vitest";
import { startTestBroker, type TestBroker } from "../../simulators/test-broker.js";
import { waitUntil } from "../../test/support/wait-until.js";
import {
  MQTTJS_ADAPTER,
  MQTTJS_VERSION_WRITTEN_FOR,
  pubackWriter,
  SKIP_OWN_PUBACK,
} from "./mqttjs-puback-adapter.js";

const changed = (what: string) =>
  `${MQTTJS_ADAPTER} (written for mqtt ${MQTTJS_VERSION_WRITTEN_FOR}): ${what} — mqtt.js internals changed`;

describe("mqtt.js puback adapter (real mqtt.js, real broker)", () => {
  let broker: TestBroker | undefined;
  const clients: MqttClient[] = [];

  afterEach(async () => {
    for (const client of clients.splice(0)) await client.endAsync(true).catch(() => {});
    await broker?.close();
    broker = undefined;
  });

  it("skips mqtt.js's own PUBACK and keeps reading; the writer sends it later, and the broker takes it", async () => {
    const brokerAcks: Array<{ clientId: string; messageId: number | undefined }> = [];
    broker = await startTestBroker((aedes) =>
      aedes.on("ack", (packet: { messageId?: number } | undefined, client: Client) =>
        brokerAcks.push({ clientId: client.id, messageId: packet?.messageId }),
      ),
    );
    const subscriber = await mqtt.connectAsync(broker.url, {
      clientId: "adapter-subscriber",
      // A persistent session: the broker keeps what it sent until the PUBACK, and names it in its ack event.
      clean: false,
      protocolVersion: 4,
      reconnectPeriod: 0,
    });
    clients.push(subscriber);
    const sentPubacks: Array<number | undefined> = [];
    subscriber.on("packetsend", (packet) => {
      if (packet.cmd === "puback") sentPubacks.push(packet.messageId);
    });
    const received: IPublishPacket[] = [];
    subscriber.handleMessage = (packet, callback) => {
      received.push(packet);
      callback(SKIP_OWN_PUBACK);
    };
    await subscriber.subscribeAsync("adapter/#", { qos: 1 });

    const publisher = await mqtt.connectAsync(broker.url, { protocolVersion: 4, reconnectPeriod: 0 });
    clients.push(publisher);
    for (const n of [1, 2, 3]) await publisher.publishAsync("adapter/t", String(n), { qos: 1 });
    await waitUntil(
      changed("the client stopped reading after handleMessage called back with an error"),
      () => received.length === 3 || undefined,
    );
    // A round trip after them: the broker has read whatever the subscriber sent before it.
    await subscriber.publishAsync("adapter/marker", "", { qos: 1 });
    expect(
      sentPubacks,
      changed("a PUBACK was sent although handleMessage called back with an error"),
    ).toEqual([]);
    expect(brokerAcks, changed("the broker got a PUBACK nobody sent")).toEqual([]);

    const send = pubackWriter(subscriber);
    const second = received[1]?.messageId;
    send(second);
    expect(sentPubacks, changed("MqttClient#_sendPacket did not send the PUBACK")).toEqual([second]);
    await waitUntil(changed("the broker never got the PUBACK written by MqttClient#_sendPacket"), () =>
      brokerAcks.some((ack) => ack.clientId === "adapter-subscriber" && ack.messageId === second),
    );
  });

  it("refuses, naming the adapter, a client without the packet writer", () => {
    expect(() => pubackWriter({} as MqttClient)).toThrow(
      /readings\/ingest\/mqttjs-puback-adapter\.ts: mqtt\.js has no MqttClient#_sendPacket/,
    );
  });
});
