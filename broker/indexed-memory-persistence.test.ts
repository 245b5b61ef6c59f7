import mqtt, { type MqttClient } from "mqtt";
import { afterEach, describe, expect, it } from "vitest";
import { deliverWithDeferredAcks } from "../readings/ingest/deferred-ack.js";
import { type SecuredBroker, startSecuredBroker } from "../test/support/secured-broker.js";
import { waitUntil } from "../test/support/wait-until.js";
import { IndexedMemoryPersistence } from "./indexed-memory-persistence.js";

interface Queued {
  brokerId: string;
  brokerCounter: number;
  messageId?: number;
  topic: string;
}

const packet = (counter: number): Queued => ({
  brokerId: "b1",
  brokerCounter: counter,
  topic: `t/${counter}`,
});

async function streamed(p: IndexedMemoryPersistence, clientId: string): Promise<string[]> {
  const topics: string[] = [];
  for await (const queued of p.outgoingStream({ id: clientId })) topics.push((queued as Queued).topic);
  return topics;
}

describe("IndexedMemoryPersistence: the outgoing queue with the library's semantics", () => {
  it("keeps queue order, records packet ids, clears by packet id in any order", async () => {
    const p = new IndexedMemoryPersistence();
    for (let i = 1; i <= 5; i++)
      await p.outgoingEnqueueCombi([{ clientId: "a" }, { clientId: "b" }], packet(i));
    for (let i = 1; i <= 5; i++) await p.outgoingUpdate({ id: "a" }, { ...packet(i), messageId: 100 + i });
    expect(await streamed(p, "a")).toEqual(["t/1", "t/2", "t/3", "t/4", "t/5"]);

    expect((await p.outgoingClearMessageId({ id: "a" }, { messageId: 103 }))?.brokerCounter).toBe(3);
    expect((await p.outgoingClearMessageId({ id: "a" }, { messageId: 101 }))?.brokerCounter).toBe(1);
    expect(await p.outgoingClearMessageId({ id: "a" }, { messageId: 101 })).toBeUndefined();
    expect(await streamed(p, "a")).toEqual(["t/2", "t/4", "t/5"]);
    // The other client's queue is its own.
    expect(await streamed(p, "b")).toEqual(["t/1", "t/2", "t/3", "t/4", "t/5"]);
  });

  it("re-sending with a new packet id (after a reconnect) replaces the old id", async () => {
    const p = new IndexedMemoryPersistence();
    await p.outgoingEnqueue({ clientId: "a" }, packet(1));
    await p.outgoingUpdate({ id: "a" }, { ...packet(1), messageId: 7 });
    await p.outgoingUpdate({ id: "a" }, { ...packet(1), messageId: 9 });
    expect(await p.outgoingClearMessageId({ id: "a" }, { messageId: 7 })).toBeUndefined();
    expect(
      ((await p.outgoingClearMessageId({ id: "a" }, { messageId: 9 })) as Queued | undefined)?.topic,
    ).toBe("t/1");
    expect(await streamed(p, "a")).toEqual([]);
  });

  it("refuses to update a packet it never queued, as the library does", async () => {
    const p = new IndexedMemoryPersistence();
    await expect(p.outgoingUpdate({ id: "a" }, { ...packet(42), messageId: 1 })).rejects.toThrow(
      "no such packet",
    );
  });
});

describe("IndexedMemoryPersistence in the broker: a persistent session keeps unacknowledged messages", () => {
  let broker: SecuredBroker | undefined;
  const clients: MqttClient[] = [];

  afterEach(async () => {
    for (const c of clients.splice(0)) await c.endAsync(true).catch(() => {});
    await broker?.close();
  });

  it("redelivers, in order, what a persistent subscriber had not acknowledged, and nothing it had", async () => {
    broker = await startSecuredBroker({ drainTimeoutMs: 5000 });
    const { url } = broker;
    const session = {
      clientId: "svc-ingest-persistent",
      username: "svc-ingest-persistent",
      password: broker.servicePassword,
      clean: false,
      protocolVersion: 4 as const,
      reconnectPeriod: 0,
    };

    // First connection: takes 30 messages in, acknowledges only the first 10.
    const first = mqtt.connect(url, session);
    clients.push(first);
    const acks: Array<() => void> = [];
    deliverWithDeferredAcks(first, (message) => {
      acks.push(message.ack);
    });
    await new Promise((resolve) => first.once("connect", resolve));
    await first.subscribeAsync("sensors/+/readings", { qos: 1 });

    const publisher = await mqtt.connectAsync(url, {
      clientId: "d1",
      username: "d1",
      password: await broker.addDevice("d1"),
      protocolVersion: 4,
    });
    clients.push(publisher);
    for (let i = 0; i < 30; i++) await publisher.publishAsync("sensors/d1/readings", String(i), { qos: 1 });
    await waitUntil("30 messages at the first connection", () => acks.length === 30 || undefined);
    for (const ack of acks.slice(0, 10)) ack();
    // A QoS 1 round trip after them: the broker has read the 10 PUBACKs before the connection is cut.
    await new Promise<void>((resolve) =>
      first.publish("services/svc-ingest-persistent/drain", "marker", { qos: 1 }, () => resolve()),
    );
    first.end(true);

    // Second connection, same session: exactly messages 10..29, in order.
    const second = mqtt.connect(url, session);
    clients.push(second);
    const received: string[] = [];
    second.on("message", (topic, payload) => {
      if (topic === "sensors/d1/readings") received.push(payload.toString());
    });
    await waitUntil("20 redelivered messages", () => received.length >= 20 || undefined);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(received).toEqual(Array.from({ length: 20 }, (_, i) => String(i + 10)));
    await second.endAsync();

    // Third connection: the second acknowledged everything, so nothing comes back.
    const third = mqtt.connect(url, session);
    clients.push(third);
    const again: string[] = [];
    third.on("message", (topic, payload) => {
      if (topic === "sensors/d1/readings") again.push(payload.toString());
    });
    await new Promise((resolve) => third.once("connect", resolve));
    await publisher.publishAsync("sensors/d1/readings", "after", { qos: 1 });
    await waitUntil("the fresh message", () => again.length >= 1 || undefined);
    expect(again).toEqual(["after"]);
  });
});
